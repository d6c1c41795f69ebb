/**
 * The access-token denylist in Redis, in front of the SQL store's. A revocation is written to the store first
 * (it must outlive Redis), then to Redis as a key that expires with the token; checks ask Redis, and the store
 * while Redis is unreachable. A revocation Redis missed during an outage is written again when it answers.
 */
import type { Redis } from 'ioredis';
import type { DenylistStore } from '../storage/interfaces.ts';
import type { CacheOutage } from './fallback.ts';
import { CLOCK_MARGIN, type CacheKeys } from './keys.ts';
import { isUnavailable } from './redis.ts';

/** Revocations kept for rewriting after an outage, at most. Past it the oldest go (they are still in the store). */
const PENDING_LIMIT = 10_000;

export class CachedDenylist implements DenylistStore {
  readonly #redis: Redis;
  readonly #keys: CacheKeys;
  readonly #store: DenylistStore;
  readonly #outage: CacheOutage;
  readonly #now: () => number;
  /** jti → exp of revocations Redis has not got yet. */
  readonly #pending = new Map<string, number>();

  constructor(deps: { redis: Redis; keys: CacheKeys; store: DenylistStore; outage: CacheOutage; now: () => number }) {
    this.#redis = deps.redis;
    this.#keys = deps.keys;
    this.#store = deps.store;
    this.#outage = deps.outage;
    this.#now = deps.now;
    this.#outage.onRecovered(() => this.#rewrite());
  }

  /** The key lives until the token's exp by this node's clock, and CLOCK_MARGIN longer for nodes behind it. */
  async #write(jti: string, expiresAt: number): Promise<void> {
    await this.#redis.set(this.#keys.denied(jti), expiresAt, 'EX', Math.max(1, Math.ceil(expiresAt - this.#now())) + CLOCK_MARGIN);
  }

  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    await this.#store.denyAccessToken(jti, expiresAt);
    try {
      await this.#write(jti, expiresAt);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      if (this.#pending.size >= PENDING_LIMIT) this.#pending.delete(this.#pending.keys().next().value!);
      this.#pending.set(jti, expiresAt);
      await this.#outage.failed(err);
      return;
    }
    await this.#outage.answered();
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    if (this.#pending.has(jti)) return true;
    return this.#outage.run(async () => (await this.#redis.exists(this.#keys.denied(jti))) === 1, () => this.#store.isAccessTokenDenied(jti));
  }

  async #rewrite(): Promise<void> {
    for (const [jti, expiresAt] of this.#pending) {
      if (expiresAt > this.#now()) {
        const written = await this.#write(jti, expiresAt).then(() => true, () => false);
        if (!written) return;
      }
      this.#pending.delete(jti);
    }
  }
}
