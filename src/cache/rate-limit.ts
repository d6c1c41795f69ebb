/**
 * The token endpoint's per-IP request rate limit, shared by every node through Redis (rate-limiter-flexible's
 * RateLimiterRedis, one atomic INCR per request). It counts fixed windows: at most `burst` requests per IP in
 * each window of ceil(burst / requests_per_second) seconds (at least 1), which starts with the IP's first
 * request. The sustained rate is therefore burst / window <= requests_per_second, and a client that
 * straddles the end of a window may get up to 2 x burst through in a short time.
 * While Redis is unreachable each node limits alone, with the same window in memory (the insurance limiter).
 * Windows run on Redis's clock, not the injected one.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../errors/oauth.ts';
import type { IpMatcher } from '../protection/ip-list.ts';
import type { RequestLimiter } from '../protection/rate-limit.ts';

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

export interface SharedRateLimitDeps {
  redis: Redis;
  keyPrefix: string;
  requestsPerSecond: number;
  burst: number;
  allowlist: IpMatcher;
  /** Told once per window in which an IP runs dry, across all nodes. */
  onLimited: (ip: string) => void;
  /** Told when Redis did not answer and the node limited alone. */
  onUnavailable: () => void;
}

export class SharedRateLimiter implements RequestLimiter {
  readonly #limiter: RateLimiterRedis;
  readonly #burst: number;
  readonly #allowlist: IpMatcher;
  readonly #onLimited: (ip: string) => void;

  constructor(deps: SharedRateLimitDeps) {
    const window = { points: deps.burst, duration: rateLimitWindow(deps.requestsPerSecond, deps.burst), keyPrefix: deps.keyPrefix };
    this.#limiter = new RateLimiterRedis({
      ...window, storeClient: deps.redis, rejectIfRedisNotReady: true, insuranceLimiter: new Insurance(window, deps.onUnavailable),
    });
    this.#burst = deps.burst;
    this.#allowlist = deps.allowlist;
    this.#onLimited = deps.onLimited;
  }

  async take(ip: string): Promise<void> {
    if (this.#allowlist.has(ip)) return;
    try {
      await this.#limiter.consume(ip);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      // The counter keeps counting refusals: exactly one request of the window sees burst + 1.
      if (err.consumedPoints === this.#burst + 1) this.#onLimited(ip);
      throw new TooManyRequestsError(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
    }
  }
}
