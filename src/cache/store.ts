/**
 * The store with a cache: attack protection's token buckets and the access-token denylist in Redis (falling back
 * to the SQL store while Redis is unreachable), everything else in SQL. Brute-force counters, slots and blocks stay
 * in SQL alone: a block must survive Redis losing its data, and the password grant they guard is bound by argon2id,
 * beside which one SQL round trip is cheap.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { AuditLog } from '../events/audit.ts';
import type { AttemptStore, BucketStore, Store } from '../storage/interfaces.ts';
import { RedisBuckets } from './buckets.ts';
import { CachedDenylist } from './denylist.ts';
import { CacheOutage, withFallback } from './fallback.ts';
import { purgeCache } from './purge.ts';
import { openCache, type Cache } from './redis.ts';

const BUCKET_METHODS = ['takeFromBucket', 'giveBackToBucket'] as const;

/** `sql` with the cache in front; closing it closes both. */
export function cachedStore(sql: Store, cache: Cache, outage: CacheOutage, now: () => number): Store {
  const { redis, keys } = cache;
  const sqlAttempts = sql.attempts;
  const attempts: AttemptStore = {
    getLoginFailures: (...args) => sqlAttempts.getLoginFailures(...args),
    reserveLoginSlot: (...args) => sqlAttempts.reserveLoginSlot(...args),
    addLoginFailure: (...args) => sqlAttempts.addLoginFailure(...args),
    releaseLoginSlot: (...args) => sqlAttempts.releaseLoginSlot(...args),
    listLoginBlocks: (...args) => sqlAttempts.listLoginBlocks(...args),
    clearLoginFailures: (...args) => sqlAttempts.clearLoginFailures(...args),
    ...withFallback<BucketStore, typeof BUCKET_METHODS[number]>(new RedisBuckets(redis, keys), sqlAttempts, BUCKET_METHODS, outage),
  };
  const denylist = new CachedDenylist({ redis, keys, store: sql, outage, now });
  const overrides: Partial<Store> = {
    attempts,
    denyAccessToken: (jti, expiresAt) => denylist.denyAccessToken(jti, expiresAt),
    denySession: (sid, expiresAt) => denylist.denySession(sid, expiresAt),
    isAccessTokenDenied: (token) => denylist.isAccessTokenDenied(token),
    async purge(at) {
      const counts = await Promise.all([sql.purge(at), outage.run(() => purgeCache(redis, keys, at), async () => 0)]);
      return counts[0] + counts[1];
    },
    async close() {
      await Promise.all([sql.close(), cache.close()]);
    },
  };
  // Methods are bound once, not on every call: the token endpoint reaches the store through here.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(sql, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
      if (bound.has(prop)) return bound.get(prop);
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value.bind(target);
      bound.set(prop, method);
      return method;
    },
  });
}

export interface CacheSetup {
  store: Store;
  cache: Cache;
  outage: CacheOutage;
}

/**
 * Opens the cache `config.cache` names and puts it in front of `sql`; undefined without one.
 * The setup's store owns `sql`: it closes it, and so does a failure here.
 */
export async function setUpCache(sql: Store, config: Pick<Config, 'cache' | 'cache_prefix'>, deps: { audit: AuditLog; log: Logger; now: () => number }): Promise<CacheSetup | undefined> {
  if (config.cache === undefined) return undefined;
  const cache = await openCache(config.cache, config.cache_prefix, deps.log).catch(async (err: unknown) => {
    await sql.close();
    throw err;
  });
  const outage = new CacheOutage(deps);
  cache.redis.on('ready', () => void outage.answered());
  return { store: cachedStore(sql, cache, outage, deps.now), cache, outage };
}
