/**
 * Prometheus metrics (prom-client), one registry per server. The names are a contract with operators' dashboards and
 * alerts (docs/operations.md lists them): never rename one.
 *
 * Label values come only from bounded sets the operator controls (registered grant types, configured connections,
 * route patterns, HTTP methods and statuses, store method names): never a username, an IP, a client id, a secret or a
 * token, so a scrape discloses nothing and an attacker cannot grow the series without bound.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent, EventType } from '../model/events.ts';
import type { RequestState } from './request-scope.ts';

/** How a login ended, as tollgate_logins_total{outcome} counts it. */
export const LOGIN_OUTCOMES = ['success', 'wrong_password', 'unknown_user', 'blocked', 'throttled', 'mfa_required', 'denied', 'error'] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];

/** The audit events that decide a login's outcome; a later one in the same request overrides (success, then MFA). */
const LOGIN_EVENTS: Partial<Record<EventType, LoginOutcome>> = {
  'login.success': 'success',
  'login.wrong_password': 'wrong_password',
  'login.unknown_user': 'unknown_user',
  'login.user_blocked': 'blocked',
  'login.refused': 'blocked',
  'ip.throttled': 'throttled',
  'mfa.required': 'mfa_required',
  'action.denied': 'denied',
  'action.failed': 'error',
};

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface MetricsSources {
  /** 1 while the dependency answers, by name (store, cache). */
  dependencies: () => Record<string, boolean>;
  /** Seconds since each algorithm's current signing key became current. */
  signingKeyAges: () => Promise<Record<string, number>>;
}

export class TollgateMetrics {
  readonly registry = new Registry();
  readonly #logins: Counter<'grant' | 'connection' | 'outcome'>;
  readonly #tokenRequests: Counter<'grant' | 'status'>;
  readonly #httpDuration: Histogram<'route' | 'method' | 'status'>;
  readonly #verificationsInFlight: Gauge;
  readonly #verificationSeconds: Histogram;
  readonly #refreshReuse: Counter;
  readonly #bruteForceBlocks: Counter;
  readonly #storeQuerySeconds: Histogram<'operation'>;
  readonly #auditDropped: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#logins = new Counter({
      name: 'tollgate_logins_total', help: 'Logins by password (password, password-realm, /oauth/ro), by how they ended.',
      labelNames: ['grant', 'connection', 'outcome'], registers,
    });
    this.#tokenRequests = new Counter({ name: 'tollgate_token_requests_total', help: 'Token endpoint requests by grant type and HTTP status.', labelNames: ['grant', 'status'], registers });
    this.#httpDuration = new Histogram({
      name: 'tollgate_http_request_duration_seconds', help: 'Time from the request arriving to the response being sent, by route pattern.',
      labelNames: ['route', 'method', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    });
    this.#verificationsInFlight = new Gauge({ name: 'tollgate_password_verifications_in_flight', help: 'Password verifications waiting for or using a hashing thread.', registers });
    this.#verificationSeconds = new Histogram({
      name: 'tollgate_password_verification_seconds', help: 'Time to verify a password, queue wait for a hashing thread included.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4], registers,
    });
    this.#refreshReuse = new Counter({ name: 'tollgate_refresh_reuse_detected_total', help: 'Refresh tokens used again after rotation: each revoked its family.', registers });
    this.#bruteForceBlocks = new Counter({ name: 'tollgate_brute_force_blocks_total', help: 'Accounts blocked for an IP after too many consecutive failures.', registers });
    this.#storeQuerySeconds = new Histogram({
      name: 'tollgate_store_query_seconds', help: 'Time of each store call (SQLite or PostgreSQL), by store method.',
      labelNames: ['operation'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers,
    });
    new Gauge({
      name: 'tollgate_dependency_up', help: '1 while the dependency answers, 0 during an outage.', labelNames: ['dependency'], registers,
      collect() {
        for (const [dependency, up] of Object.entries(sources.dependencies())) this.set({ dependency }, up ? 1 : 0);
      },
    });
    this.#auditDropped = new Counter({ name: 'tollgate_audit_events_dropped_total', help: 'Audit events lost because the store was unreachable and the queue in memory full.', registers });
    new Gauge({
      name: 'tollgate_signing_key_age_seconds', help: 'Seconds since the current signing key of each algorithm became current.', labelNames: ['alg'], registers,
      async collect() {
        for (const [alg, age] of Object.entries(await sources.signingKeyAges())) this.set({ alg }, age);
      },
    });
  }

  /** An audit event: blocks and reuse are counted now; a login's outcome is kept on its request until the response. */
  event(event: AuditEvent, state: RequestState | undefined): void {
    if (event.type === 'brute_force.blocked') this.#bruteForceBlocks.inc();
    else if (event.type === 'refresh_token.reused') this.#refreshReuse.inc();
    const outcome = LOGIN_EVENTS[event.type];
    if (outcome !== undefined && state !== undefined && event.connection !== null) state.login = { connection: event.connection, outcome };
  }

  /** A token endpoint request answered; `grant` is a registered grant type or "other". */
  tokenRequest(grant: string, status: number, state: RequestState | undefined): void {
    this.#tokenRequests.inc({ grant, status: String(status) });
    const login = state?.login;
    if (login) this.#logins.inc({ grant, connection: login.connection, outcome: status >= 500 ? 'error' : login.outcome });
  }

  /** Any request answered; `route` is the matched route pattern (not the path, which a client chooses). */
  httpRequest(route: string | undefined, method: string, status: number, seconds: number): void {
    this.#httpDuration.observe({ route: route ?? 'unmatched', method: HTTP_METHODS.has(method) ? method : 'OTHER', status: String(status) }, seconds);
  }

  verificationStarted(): () => void {
    this.#verificationsInFlight.inc();
    const end = this.#verificationSeconds.startTimer();
    return () => {
      end();
      this.#verificationsInFlight.dec();
    };
  }

  storeCall(operation: string, seconds: number): void {
    this.#storeQuerySeconds.observe({ operation }, seconds);
  }

  auditEventDropped(): void {
    this.#auditDropped.inc();
  }
}
