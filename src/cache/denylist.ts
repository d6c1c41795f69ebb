/**
 * The access-token denylist in Redis, in front of the SQL store's: jtis and family sids, under the keys
 * denylist-keys.ts gives them. A revocation is written to the store first (it must outlive Redis), then to Redis as
 * a key that expires with what it denies; checks ask Redis, and the store while Redis is unreachable. A revocation
 * Redis missed during an outage is written again when it answers.
 */
import type { Redis } from 'ioredis';
import type { DeniableToken, DenylistStore } from '../storage/interfaces.ts';
import { denylistKeys, sessionKey } from '../storage/denylist-keys.ts';
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
  /** Denylist key (denylist-keys.ts) → exp of revocations Redis has not got yet. */
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
  async #write(key: string, expiresAt: number): Promise<void> {
    await this.#redis.set(this.#keys.denied(key), expiresAt, 'EX', Math.max(1, Math.ceil(expiresAt - this.#now())) + CLOCK_MARGIN);
  }

  async #deny(key: string, expiresAt: number): Promise<void> {
    try {
      await this.#write(key, expiresAt);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      if (this.#pending.size >= PENDING_LIMIT) this.#pending.delete(this.#pending.keys().next().value!);
      this.#pending.set(key, expiresAt);
      await this.#outage.failed(err);
      return;
    }
    await this.#outage.answered();
  }

  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    await this.#store.denyAccessToken(jti, expiresAt);
    await this.#deny(jti, expiresAt);
  }

  async denySession(sid: string, expiresAt: number): Promise<void> {
    await this.#store.denySession(sid, expiresAt);
    await this.#deny(sessionKey(sid), expiresAt);
  }

  /** One EXISTS for the jti and the family together. */
  async isAccessTokenDenied(token: DeniableToken): Promise<boolean> {
    const keys = denylistKeys(token);
    if (keys.some((key) => this.#pending.has(key))) return true;
    return this.#outage.run(async () => (await this.#redis.exists(...keys.map((key) => this.#keys.denied(key)))) > 0, () => this.#store.isAccessTokenDenied(token));
  }

  async #rewrite(): Promise<void> {
    for (const [key, expiresAt] of this.#pending) {
      if (expiresAt > this.#now()) {
        const written = await this.#write(key, expiresAt).then(() => true, () => false);
        if (!written) return;
      }
      this.#pending.delete(key);
    }
  }
}
