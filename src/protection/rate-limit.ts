/**
 * The request rate limit of the token endpoint: a token bucket per key (an address, or a client with a limit of
 * its own), checked before the request costs anything that matters. `RequestRateLimit` decides which buckets a
 * request takes from; a `RateCounter` keeps the buckets: in this process's memory (`MemoryRateCounter`), in the
 * cluster primary's memory for every worker of one `tollgate serve` (src/cluster/rate-limit.ts), or in Redis
 * for every node (src/cache/rate-limit.ts).
 */
import { TooManyRequestsError } from '../errors/oauth.ts';
import type { BucketPolicy } from '../model/attempts.ts';
import { bucketLevel, bucketRetryAfter } from '../storage/attempts.ts';
import type { IpMatcher } from './ip-list.ts';

/** A limit: `requestsPerSecond` sustained, `burst` at once. */
export interface RatePolicy {
  requestsPerSecond: number;
  burst: number;
}

/** Allowed, or refused with when to come back; `ranDry`: this refusal is the first since the bucket last allowed one. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfter: number; ranDry: boolean };

/** Keeps the buckets: takes one request's share of `key`'s bucket under `policy`, or only looks whether it would be refused. */
export interface RateCounter {
  take(key: string, policy: RatePolicy): RateVerdict | Promise<RateVerdict>;
  peek(key: string, policy: RatePolicy): RateVerdict | Promise<RateVerdict>;
}

/** A bucket a request takes from: an address's (the default limit) or a client's own (its `rate_limit`). */
export type RateBucket = { ip: string } | { clientId: string; policy: RatePolicy };

interface Bucket {
  tokens: number;
  updated_at: number;
  policy: BucketPolicy;
  /** Set once the bucket has refused a request, until it allows one again: the run-dry is reported once. */
  dry: boolean;
}

/** Above this many tracked keys, full buckets are dropped: they hold nothing a fresh bucket would not. */
const PRUNE_ABOVE = 10_000;

/** The buckets in this process's memory. */
export class MemoryRateCounter implements RateCounter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  take(key: string, limit: RatePolicy): RateVerdict {
    const now = this.#now();
    const policy = { capacity: limit.burst, refill_per_second: limit.requestsPerSecond };
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= PRUNE_ABOVE) this.#prune(now);
      bucket = { tokens: policy.capacity, updated_at: now, policy, dry: false };
      this.#buckets.set(key, bucket);
    }
    // A client's limit may change (the management API): the bucket keeps its level under the new policy.
    bucket.policy = policy;
    const level = bucketLevel(bucket, now, policy);
    bucket.updated_at = now;
    if (level < 1) {
      bucket.tokens = level;
      const ranDry = !bucket.dry;
      bucket.dry = true;
      return { allowed: false, retryAfter: bucketRetryAfter(level, policy), ranDry };
    }
    bucket.tokens = level - 1;
    bucket.dry = false;
    return { allowed: true };
  }

  peek(key: string, limit: RatePolicy): RateVerdict {
    const bucket = this.#buckets.get(key);
    const policy = { capacity: limit.burst, refill_per_second: limit.requestsPerSecond };
    const level = bucketLevel(bucket, this.#now(), policy);
    return level >= 1 ? { allowed: true } : { allowed: false, retryAfter: bucketRetryAfter(level, policy), ranDry: false };
  }

  #prune(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucketLevel(bucket, now, bucket.policy) >= bucket.policy.capacity) this.#buckets.delete(key);
    }
  }
}

/** The key a bucket is kept under: the address itself, or `client:<client_id>` (no address starts with "client:"). */
export function bucketKey(bucket: RateBucket): string {
  return 'ip' in bucket ? bucket.ip : `client:${bucket.clientId}`;
}

export interface RequestRateLimitDeps {
  counter: RateCounter;
  /** The limit of an address's bucket (attack_protection.rate_limit). */
  policy: RatePolicy;
  /** Addresses never limited (attack_protection.allowlist); a client's own bucket counts whatever the address. */
  allowlist: IpMatcher;
  /** Told once each time a bucket runs dry, not on every refused request. */
  onLimited: (bucket: RateBucket) => void;
}

export class RequestRateLimit {
  readonly #deps: RequestRateLimitDeps;

  constructor(deps: RequestRateLimitDeps) {
    this.#deps = deps;
  }

  /** Whether the address is exempt (attack_protection.allowlist). */
  exempt(ip: string): boolean {
    return this.#deps.allowlist.has(ip);
  }

  /** Takes one request's share of each bucket, in order; throws TooManyRequestsError (429, Retry-After) at the first that refuses. */
  async take(buckets: RateBucket[]): Promise<void> {
    for (const bucket of buckets) {
      if ('ip' in bucket && this.exempt(bucket.ip)) continue;
      const verdict = await this.#deps.counter.take(bucketKey(bucket), 'ip' in bucket ? this.#deps.policy : bucket.policy);
      if (verdict.allowed) continue;
      if (verdict.ranDry) this.#deps.onLimited(bucket);
      throw new TooManyRequestsError(verdict.retryAfter);
    }
  }

  /** Throws 429 when the address's bucket is empty, taking nothing from it. */
  async refuseIfDry(ip: string): Promise<void> {
    if (this.exempt(ip)) return;
    const verdict = await this.#deps.counter.peek(ip, this.#deps.policy);
    if (!verdict.allowed) throw new TooManyRequestsError(verdict.retryAfter);
  }
}
