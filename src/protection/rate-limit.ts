/**
 * The per-IP request rate limit of the token endpoint: an in-memory token bucket per IP on each node,
 * checked before the body is parsed. Cheap enough to run on every request; allowlisted IPs skip it.
 * With a cache configured, src/cache/rate-limit.ts shares the limit between nodes instead.
 */
import { TooManyRequestsError } from '../errors/oauth.ts';
import type { BucketPolicy } from '../model/attempts.ts';
import { bucketLevel, bucketRetryAfter } from '../storage/attempts.ts';
import type { IpMatcher } from './ip-list.ts';

interface Bucket {
  tokens: number;
  updated_at: number;
  /** Set once the bucket has refused a request, until it allows one again: the run-dry is reported once. */
  dry: boolean;
}

/** Above this many tracked IPs, full buckets are dropped: they hold nothing a fresh bucket would not. */
const PRUNE_ABOVE = 10_000;

/** Takes one request's share of an IP's limit, or throws TooManyRequestsError (429 with Retry-After). */
export interface RequestLimiter {
  take(ip: string): void | Promise<void>;
}

export class RateLimiter implements RequestLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #policy: BucketPolicy;
  readonly #allowlist: IpMatcher;
  readonly #now: () => number;
  /** Told once each time an IP's bucket runs dry, not on every refused request. */
  readonly #onLimited: (ip: string) => void;

  constructor(deps: { requestsPerSecond: number; burst: number; allowlist: IpMatcher; now: () => number; onLimited: (ip: string) => void }) {
    this.#policy = { capacity: deps.burst, refill_per_second: deps.requestsPerSecond };
    this.#allowlist = deps.allowlist;
    this.#now = deps.now;
    this.#onLimited = deps.onLimited;
  }

  /** Takes one request's token or throws 429 with Retry-After. */
  take(ip: string): void {
    if (this.#allowlist.has(ip)) return;
    const now = this.#now();
    let bucket = this.#buckets.get(ip);
    if (!bucket) {
      if (this.#buckets.size >= PRUNE_ABOVE) this.#prune(now);
      bucket = { tokens: this.#policy.capacity, updated_at: now, dry: false };
      this.#buckets.set(ip, bucket);
    }
    const level = bucketLevel(bucket, now, this.#policy);
    bucket.updated_at = now;
    if (level < 1) {
      bucket.tokens = level;
      if (!bucket.dry) this.#onLimited(ip);
      bucket.dry = true;
      throw new TooManyRequestsError(bucketRetryAfter(level, this.#policy));
    }
    bucket.tokens = level - 1;
    bucket.dry = false;
  }

  #prune(now: number): void {
    for (const [ip, bucket] of this.#buckets) {
      if (bucketLevel(bucket, now, this.#policy) >= this.#policy.capacity) this.#buckets.delete(ip);
    }
  }
}
