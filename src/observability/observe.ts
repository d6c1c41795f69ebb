/**
 * What a server observes of itself, put together from the configuration: metrics (with their listener), traces, and
 * the instrumented store, hasher and token issuer that feed both. With metrics and tracing off, every method here
 * hands its argument back unchanged and adds no hook, so an unobserved node pays nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { PasswordHasher } from '../accounts/passwords.ts';
import { GRANT_TYPES } from '../protocol/grant-types.ts';
import { paramsOf } from '../http/body.ts';
import type { AuditEvent } from '../model/events.ts';
import { instrument, observeAll, type CallObserver } from './instrument.ts';
import { listenForScrapes, type MetricsListener } from './metrics-listener.ts';
import { TollgateMetrics, type MetricsSources } from './metrics.ts';
import type { RequestScope } from './request-scope.ts';
import { Tracing } from './tracing.ts';

const GRANTS: ReadonlySet<string> = new Set(GRANT_TYPES);
const TOKEN_ROUTES = /\/oauth\/(token|ro)$/;

/** A token request's grant_type when it is one Tollgate has (a bounded label), "other" otherwise. */
function grantOf(request: FastifyRequest): string {
  const grant = paramsOf(request.body).get('grant_type');
  return grant !== undefined && GRANTS.has(grant) ? grant : 'other';
}

export class Observability {
  readonly metrics: TollgateMetrics | undefined;
  readonly tracing: Tracing | undefined;
  readonly #config: Config;
  readonly #scope: RequestScope;
  readonly #log: Logger;
  #listener: MetricsListener | undefined;

  constructor(config: Config, scope: RequestScope, log: Logger, sources: MetricsSources) {
    this.#config = config;
    this.#scope = scope;
    this.#log = log;
    this.metrics = config.metrics.enabled ? new TollgateMetrics(sources) : undefined;
    this.tracing = config.tracing.enabled ? new Tracing(config.tracing, scope) : undefined;
  }

  /** Each audit event as it is made (AuditLog's onEvent). */
  event = (event: AuditEvent): void => {
    this.metrics?.event(event, this.#scope.current());
  };

  auditEventDropped = (): void => {
    this.metrics?.auditEventDropped();
  };

  /** The SQL store with each call timed (tollgate_store_query_seconds) and traced. */
  store<S extends object>(store: S, system: 'sqlite' | 'postgresql'): S {
    const { metrics } = this;
    const timing: CallObserver | undefined = metrics && ((operation) => {
      const started = performance.now();
      return () => metrics.storeCall(operation, (performance.now() - started) / 1000);
    });
    const observe = observeAll([timing, this.tracing?.observer('store', { 'db.system.name': system })]);
    return observe ? instrument(store, observe, { slices: true }) : store;
  }

  /** Password verification timed from the call, so the wait for a hashing thread counts (the queue is the cost). */
  hasher(hasher: PasswordHasher): PasswordHasher {
    const { metrics, tracing } = this;
    if (!metrics && !tracing) return hasher;
    const verify = (phc: string, password: string) => {
      const done = metrics?.verificationStarted();
      return hasher.verify(phc, password).finally(() => done?.());
    };
    return {
      hash: (password) => hasher.hash(password),
      needsRehash: (phc) => hasher.needsRehash(phc),
      verify: tracing ? (phc, password) => tracing.span('password.verify', () => verify(phc, password)) : verify,
    };
  }

  /** An object whose calls are spans named `{kind} {method}` (the token issuer's signing, the cache). */
  traced<T extends object>(target: T, kind: string): T {
    return this.tracing ? instrument(target, this.tracing.observer(kind)) : target;
  }

  /** A span around `work`, when tracing (client authentication, the grant). */
  span<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.tracing ? this.tracing.span(name, work) : work();
  }

  /** The request span's starter, for registerRequestIds. */
  get requestSpans(): ((request: FastifyRequest) => ReturnType<Tracing['startRequest']>) | undefined {
    const { tracing } = this;
    return tracing && ((request) => tracing.startRequest(request.method, request.routeOptions.url, request.headers));
  }

  /** Counts and times every answered request, and ends its span. */
  register(app: FastifyInstance): void {
    const { metrics, tracing } = this;
    if (!metrics && !tracing) return;
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url;
      if (request.traceSpan) tracing?.endRequest(request.traceSpan, reply.statusCode);
      if (!metrics) return;
      metrics.httpRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      if (route !== undefined && TOKEN_ROUTES.test(route)) metrics.tokenRequest(grantOf(request), reply.statusCode, request.scopeState ?? undefined);
    });
  }

  /** Opens the metrics listener when metrics are on; resolves to the URLs it serves. */
  async listen(): Promise<string[]> {
    if (!this.metrics) return [];
    const { host, port } = this.#config.metrics;
    this.#listener = await listenForScrapes(this.metrics.registry, host, port, (err) => this.#log.error({ err }, 'metrics not collected'));
    return [this.#listener.url];
  }

  async close(): Promise<void> {
    await this.#listener?.close();
    await this.tracing?.close().catch((err: unknown) => this.#log.warn({ err }, 'traces not exported at shutdown'));
  }
}
