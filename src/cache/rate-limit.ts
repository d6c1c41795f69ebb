/**
 * The token endpoint's request rate limit, shared by every node through Redis (rate-limiter-flexible's
 * RateLimiterRedis, one atomic INCR per request). It counts fixed windows: at most `burst` requests per key in
 * each window of ceil(burst / requests_per_second) seconds (at least 1), which starts with the key's first
 * request. The sustained rate is therefore burst / window <= requests_per_second, and a client that
 * straddles the end of a window may get up to 2 x burst through in a short time.
 * While Redis is unreachable each node limits alone, with the same window in memory (the insurance limiter).
 * Windows run on Redis's clock, not the injected one.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateCounter, RatePolicy, RateVerdict } from '../protection/rate-limit.ts';

export function rateLimitWindow(requestsPerSecond: number, burst: number): number {
  return Math.max(1, Math.ceil(burst / requestsPerSecond));
}

/** The in-memory limiter used while Redis is unreachable; tells `onUse` each time it stands in. */
class Insurance extends RateLimiterMemory {
  readonly #onUse: () => void;

  constructor(options: { points: number; duration: number; keyPrefix: string }, onUse: () => void) {
    super(options);
    this.#onUse = onUse;
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>): Promise<RateLimiterRes> {
    this.#onUse();
    return super.consume(...args);
  }
}

export interface SharedRateCounterDeps {
  redis: Redis;
  keyPrefix: string;
  /** Told when Redis did not answer and the node limited alone. */
  onUnavailable: () => void;
}

/** The buckets in Redis, one fixed-window limiter per policy (the address's, and each client limit in use). */
export class SharedRateCounter implements RateCounter {
  readonly #limiters = new Map<string, RateLimiterRedis>();
  readonly #deps: SharedRateCounterDeps;

  constructor(deps: SharedRateCounterDeps) {
    this.#deps = deps;
  }

  async take(key: string, policy: RatePolicy): Promise<RateVerdict> {
    try {
      await this.#limiter(policy).consume(key);
      return { allowed: true };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      // The counter keeps counting refusals: exactly one request of the window sees burst + 1.
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(err.msBeforeNext / 1000)), ranDry: err.consumedPoints === policy.burst + 1 };
    }
  }

  async peek(key: string, policy: RatePolicy): Promise<RateVerdict> {
    const res = await this.#limiter(policy).get(key);
    if (!res || res.consumedPoints < policy.burst) return { allowed: true };
    return { allowed: false, retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)), ranDry: false };
  }

  #limiter(policy: RatePolicy): RateLimiterRedis {
    const name = `${policy.burst}/${policy.requestsPerSecond}`;
    let limiter = this.#limiters.get(name);
    if (!limiter) {
      const { redis, keyPrefix, onUnavailable } = this.#deps;
      const window = { points: policy.burst, duration: rateLimitWindow(policy.requestsPerSecond, policy.burst), keyPrefix };
      limiter = new RateLimiterRedis({ ...window, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: new Insurance(window, onUnavailable) });
      this.#limiters.set(name, limiter);
    }
    return limiter;
  }
}
