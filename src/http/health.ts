/**
 * Health endpoints for load balancers and orchestrators, at the root whatever the issuer's path:
 * live = the process answers; ready = it can serve tokens (the store, and the cache when configured, answer) and is
 * not draining before a shutdown.
 */
import type { FastifyInstance } from 'fastify';

export interface Dependency {
  name: string;
  ping(): Promise<void>;
}

/** A dependency that does not answer within this is as good as down. */
const PING_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `draining`: the node is going away (SIGTERM with shutdown_delay) and wants no new requests, though it serves them. */
export function registerHealth(app: FastifyInstance, dependencies: Dependency[], draining: () => boolean): void {
  app.get('/health/live', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const checks = await Promise.all(dependencies.map(async (d) => {
      try {
        await within(d.ping(), PING_TIMEOUT_MS);
        return [d.name, 'up'] as const;
      } catch {
        return [d.name, 'down'] as const;
      }
    }));
    const status = draining() ? 'draining' : checks.every(([, state]) => state === 'up') ? 'ok' : 'unavailable';
    return reply.code(status === 'ok' ? 200 : 503).header('cache-control', 'no-store')
      .send({ status, checks: Object.fromEntries(checks) });
  });
}
