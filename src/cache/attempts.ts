/**
 * AttemptStore on Redis, with the semantics of the SQL stores (test/contract/attempts.test.ts runs against both):
 * every counter change is one Lua script (scripts.ts), so concurrent callers never lose an increment or overdraw a bucket.
 */
import type { Redis } from 'ioredis';
import type { AttemptStore, BucketPolicy, BucketResult, LoginBlockRecord, LoginFailureKey, LoginFailureState } from '../storage/interfaces.ts';
import { FAILURE_RETENTION, bucketLevel, bucketResult } from '../storage/attempts.ts';
import { CLOCK_MARGIN, type CacheKeys } from './keys.ts';
import { scanKeys } from './redis.ts';
import { scripts } from './scripts.ts';

const orNull = (value: string | null | undefined) => (value == null ? null : Number(value));

/** A counter as HMGET f b e returns it; undefined when absent or lapsed at `now`. */
function stateAt(fields: (string | null)[], now: number): LoginFailureState | undefined {
  const [failures, blocked, expires] = fields;
  if (failures == null) return undefined;
  const state = { failures: Number(failures), blocked_at: orNull(blocked), block_expires_at: orNull(expires) };
  return state.block_expires_at !== null && state.block_expires_at <= now ? undefined : state;
}

function byBlockStart(a: LoginBlockRecord, b: LoginBlockRecord): number {
  if (a.blocked_at !== b.blocked_at) return a.blocked_at! - b.blocked_at!;
  for (const field of ['connection', 'username', 'ip'] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
  }
  return 0;
}

export class RedisAttempts implements AttemptStore {
  readonly #redis: Redis;
  readonly #keys: CacheKeys;

  constructor(redis: Redis, keys: CacheKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async getLoginFailures(key: LoginFailureKey, now: number): Promise<LoginFailureState | undefined> {
    return stateAt(await this.#redis.hmget(this.#keys.failures(key), 'f', 'b', 'e'), now);
  }

  async addLoginFailure(key: LoginFailureKey, now: number, threshold: number, blockTtl: number | null): Promise<LoginFailureState> {
    const [failures, blocked, expires] = await scripts(this.#redis)
      .tollgateAddFailure(this.#keys.failures(key), now, threshold, blockTtl ?? '', FAILURE_RETENTION, CLOCK_MARGIN);
    return { failures: Number(failures), blocked_at: orNull(blocked), block_expires_at: orNull(expires) };
  }

  async resetLoginFailures(key: LoginFailureKey): Promise<void> {
    await this.#redis.del(this.#keys.failures(key));
  }

  /** A SCAN over the counters the filter names: an operator's command, not a hot path. */
  async listLoginBlocks(filter: { connection?: string; username?: string }, now: number): Promise<LoginBlockRecord[]> {
    const blocks = new Map<string, LoginBlockRecord>();
    for await (const names of scanKeys(this.#redis, this.#keys.failuresMatching(filter))) {
      const pipeline = this.#redis.pipeline();
      for (const name of names) pipeline.hmget(name, 'f', 'b', 'e', 'l');
      const replies = (await pipeline.exec()) ?? [];
      names.forEach((name, i) => {
        const [err, fields] = replies[i] ?? [];
        if (err) throw err;
        const key = this.#keys.failuresKeyOf(name);
        const state = stateAt(fields as (string | null)[], now);
        if (!key || !state || state.blocked_at === null) return;
        if ((filter.connection ?? key.connection) !== key.connection || (filter.username ?? key.username) !== key.username) return;
        blocks.set(name, { ...key, ...state, last_failure_at: Number((fields as (string | null)[])[3]) });
      });
    }
    return [...blocks.values()].sort(byBlockStart);
  }

  async clearLoginFailures(filter: { connection: string; username: string; ip?: string }): Promise<number> {
    if (filter.ip !== undefined) return this.#redis.del(this.#keys.failures({ ...filter, ip: filter.ip }));
    let cleared = 0;
    for await (const names of scanKeys(this.#redis, this.#keys.failuresMatching(filter))) cleared += await this.#redis.del(...names);
    return cleared;
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
}
