/**
 * Housekeeping for the cache: keys expire by themselves (with CLOCK_MARGIN to spare), and this deletes at
 * `now` what the SQL stores' purge would, so a purge means the same whichever holds the buckets.
 * One SCAN over the prefix per housekeeping run.
 */
import type { Redis } from 'ioredis';
import type { CacheKeys } from './keys.ts';
import { scanKeys } from './redis.ts';
import { scripts } from './scripts.ts';

/** Deletes full buckets, expired denylist entries and counters left by versions that kept them here; returns how many counters went. */
export async function purgeCache(redis: Redis, keys: CacheKeys, now: number): Promise<number> {
  const prefixes = [keys.oldFailuresPrefix, keys.bucketsPrefix, keys.denylistPrefix];
  let purged = 0;
  for await (const names of scanKeys(redis, keys.all)) {
    const mine = names.filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
    if (mine.length === 0) continue;
    purged += await scripts(redis).tollgatePurge(mine.length, ...mine, now, ...prefixes);
  }
  return purged;
}
