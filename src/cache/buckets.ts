/**
 * Token buckets on Redis (suspicious IP throttling, MFA limits), with the semantics of the SQL stores
 * (test/contract/attempts.test.ts runs against both): every change is one Lua script (scripts.ts), so concurrent
 * callers never overdraw a bucket. Buckets are all a cache holds of attack protection: losing one only forgives
 * (a bucket never seen is full), whereas brute-force counters and blocks stay in SQL, the authority.
 */
import type { Redis } from 'ioredis';
import type { BucketPolicy, BucketResult } from '../model/attempts.ts';
import type { BucketStore } from '../storage/slices/attempts.ts';
import { bucketLevel, bucketResult } from '../storage/attempts.ts';
import { CLOCK_MARGIN, type CacheKeys } from './keys.ts';
import { scripts } from './scripts.ts';

export class RedisBuckets implements BucketStore {
  readonly #redis: Redis;
  readonly #keys: CacheKeys;

  constructor(redis: Redis, keys: CacheKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async takeFromBucket(bucket: string, cost: 0 | 1, now: number, policy: BucketPolicy): Promise<BucketResult> {
    const name = this.#keys.bucket(bucket);
    let level: number;
    if (cost === 1) {
      const [taken, before] = await scripts(this.#redis).tollgateTakeToken(name, now, policy.capacity, policy.refill_per_second, CLOCK_MARGIN);
      if (taken === 1) return { allowed: true, retry_after: 0 };
      level = Number(before);
    } else {
      const [tokens, updated] = await this.#redis.hmget(name, 't', 'u');
      level = bucketLevel(tokens == null ? undefined : { tokens: Number(tokens), updated_at: Number(updated) }, now, policy);
    }
    return bucketResult(level, policy);
  }

  async giveBackToBucket(bucket: string, now: number, policy: BucketPolicy): Promise<void> {
    await scripts(this.#redis).tollgateGiveBackToken(this.#keys.bucket(bucket), now, policy.capacity, policy.refill_per_second, CLOCK_MARGIN);
  }
}
