/**
 * The store with a cache: attack protection's token buckets and the access-token denylist in Redis (falling back
 * to the SQL store while Redis is unreachable, or while it cannot be trusted to hold the denylist: epoch.ts),
 * everything else in SQL, single-use values (assertion and DPoP jtis, codes, MFA tokens) included. Brute-force
 * counters, slots and blocks stay in SQL alone: a block must survive Redis losing its data, and the password grant
 * they guard is bound by argon2id, beside which one SQL round trip is cheap.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { AuditLog } from '../events/audit.ts';
import type { AttemptStore, BucketStore } from '../storage/slices/attempts.ts';
import type { Store } from '../storage/store.ts';
import { RedisBuckets } from './buckets.ts';
import { CachedDenylist } from './denylist.ts';
import { CacheEpoch } from './epoch.ts';
import { CacheOutage, withFallback } from './fallback.ts';
import { OutageMonitor, hostOf } from '../observability/outages.ts';
import { purgeCache } from './purge.ts';
import { openCache, type Cache } from './redis.ts';

const BUCKET_METHODS = ['takeFromBucket', 'giveBackToBucket'] as const;

/** `sql` with the cache in front; closing it closes both. */
export function cachedStore(sql: Store, cache: Cache, deps: { outage: CacheOutage; epoch: CacheEpoch; now: () => number }): Store {
  const { outage, epoch, now } = deps;
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
  const denylist = new CachedDenylist({ redis, keys, store: sql, outage, epoch, now });
  // Every other slice is the SQL store's own: the compiler refuses a store missing one.
  return {
    users: sql.users, passwordHistory: sql.passwordHistory, clients: sql.clients, connections: sql.connections, apis: sql.apis,
    configured: sql.configured, keys: sql.keys, refreshFamilies: sql.refreshFamilies, singleUse: sql.singleUse, events: sql.events,
    mfa: sql.mfa, jobs: sql.jobs, exports: sql.exports, legacyTokens: sql.legacyTokens, settings: sql.settings,
    attempts,
    denylist,
    async purge(at) {
      const counts = await Promise.all([sql.purge(at), outage.run(() => purgeCache(redis, keys, at), async () => 0)]);
      return counts[0] + counts[1];
    },
    ping: () => sql.ping(),
    async close() {
      epoch.close();
      outage.monitor.close();
      await Promise.all([sql.close(), cache.close()]);
    },
  };
}

export interface CacheSetup {
  store: Store;
  cache: Cache;
  outage: CacheOutage;
  epoch: CacheEpoch;
}

/**
 * Opens the cache `config.cache` names and puts it in front of `sql`; undefined without one.
 * The setup's store owns `sql`: it closes it, and so does a failure here.
 */
export async function setUpCache(sql: Store, config: Pick<Config, 'cache' | 'cache_prefix'>, deps: { audit: AuditLog; log: Logger; now: () => number }): Promise<CacheSetup | undefined> {
  if (config.cache === undefined) return undefined;
  // No settle time: the cache's outage state decides fallbacks and its events, which end at Redis's first answer.
  const outage = new CacheOutage({ audit: deps.audit, monitor: new OutageMonitor({ dependency: 'cache', host: hostOf(config.cache), log: deps.log, settleMs: 0 }) });
  const cache = await openCache(config.cache, config.cache_prefix, (err) => void outage.failed(err)).catch(async (err: unknown) => {
    await sql.close();
    throw err;
  });
  const epoch = new CacheEpoch({ redis: cache.redis, key: cache.keys.epoch, log: deps.log });
  // Connected again: Redis may have restarted empty, or missed writes meanwhile.
  cache.redis.on('ready', () => {
    epoch.distrust();
    void outage.answered();
  });
  if (cache.redis.status === 'ready') void epoch.establish();
  return { store: cachedStore(sql, cache, { outage, epoch, now: deps.now }), cache, outage, epoch };
}
