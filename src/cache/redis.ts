/**
 * The Redis connection (ioredis), set to fail fast: while Redis is unreachable a command is refused at once
 * (no offline queue) or after COMMAND_TIMEOUT_MS, never held, and the client reconnects in the background.
 */
import { Redis, ReplyError } from 'ioredis';
import { CacheKeys } from './keys.ts';
import { defineScripts } from './scripts.ts';

/** Also how long a refused connection attempt's socket timer may keep the process alive after close() (ioredis). */
const CONNECT_TIMEOUT_MS = 1000;
const COMMAND_TIMEOUT_MS = 1000;
/** Reconnection backoff: 100 ms more per attempt, at most 2 s between attempts. */
const retryDelay = (attempt: number) => Math.min(attempt * 100, 2000);

export interface Cache {
  redis: Redis;
  /** Key names, all under `cache_prefix`. */
  keys: CacheKeys;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Error replies that mean "not now" (loading, failing over, out of memory), not "wrong command". */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|OOM)\b/;

/** Whether a failed command failed because Redis could not answer (refused, closed, timed out): the fallback's cue. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof ReplyError) return UNAVAILABLE_REPLY.test((err as Error).message);
  return err instanceof Error;
}

/**
 * Connects to `url`; if Redis is down the node starts anyway and keeps trying, since protection falls back
 * to the store. Connection errors go to `onError` (an 'error' listener must exist, or they crash the process).
 */
export async function openCache(url: string, prefix: string, onError: (err: Error) => void): Promise<Cache> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: retryDelay,
  });
  defineScripts(redis);
  redis.on('error', onError);
  await redis.connect().catch(() => {});
  return {
    redis,
    keys: new CacheKeys(prefix),
    async ping() {
      await redis.ping();
    },
    async close() {
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

/** Keys matching `pattern`, in batches as SCAN returns them: a key present throughout is returned at least once, maybe twice. */
export async function* scanKeys(redis: Redis, pattern: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}
