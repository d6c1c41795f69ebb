/**
 * Health endpoints for load balancers and orchestrators, at the root whatever the issuer's path:
 * live = the process answers (it never asks a dependency, so an outage never gets a node restarted);
 * ready = it can serve logins: 503 only when it cannot answer the token endpoint correctly (the store does not
 * answer, or it is draining before a shutdown). A dependency it can do without (the cache, whose work falls back to
 * the store) reads "degraded" while it is down or not trusted, and the node stays ready.
 */
import type { FastifyInstance } from 'fastify';

export type DependencyState = 'up' | 'degraded' | 'down';

export interface Dependency {
  name: string;
  ping(): Promise<void>;
  /** The node serves without it (from a fallback): not answering makes it "degraded", not "down". */
  optional?: boolean;
  /** Answers, but the node does not rely on it yet (the cache before its data is verified). */
  degraded?: () => boolean;
}

/** A dependency that does not answer within this is as good as down. */
const PING_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function stateOf(dependency: Dependency): Promise<DependencyState> {
  try {
    await within(dependency.ping(), PING_TIMEOUT_MS);
    return dependency.degraded?.() ? 'degraded' : 'up';
  } catch {
    return dependency.optional ? 'degraded' : 'down';
  }
}

/** `draining`: the node is going away (SIGTERM with shutdown_delay) and wants no new requests, though it serves them. */
export function registerHealth(app: FastifyInstance, dependencies: Dependency[], draining: () => boolean): void {
  app.get('/health/live', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const checks = await Promise.all(dependencies.map(async (d) => [d.name, await stateOf(d)] as const));
    const states = checks.map(([, state]) => state);
    const status = draining() ? 'draining' : states.includes('down') ? 'unavailable' : states.includes('degraded') ? 'degraded' : 'ok';
    return reply.code(status === 'ok' || status === 'degraded' ? 200 : 503).header('cache-control', 'no-store')
      .send({ status, checks: Object.fromEntries(checks) });
  });
}
