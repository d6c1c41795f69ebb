/**
 * The access-token denylist in Redis, in front of the SQL store's, which stays the authority: jtis and family sids,
 * under the keys denylist-keys.ts gives them. A revocation is written to the store first (it must outlive Redis),
 * then to Redis as a key that expires with what it denies. A check asks Redis, with the epoch marker in the same
 * MGET, and believes a "not denied" only while the marker is the one this node verified (epoch.ts); otherwise, and
 * while Redis is unreachable, it asks the store. When Redis lost its data or may have missed a write, the node copies
 * the store's entries in force back into Redis before trusting it again.
 */
import type { Redis } from 'ioredis';
import type { Store } from '../storage/store.ts';
import type { DeniableToken, DeniedEntry } from '../model/tokens.ts';
import type { DenylistStore } from '../storage/slices/denylist.ts';
import { denylistKeys, sessionKey } from '../storage/denylist-keys.ts';
import type { CacheEpoch } from './epoch.ts';
import type { CacheOutage } from './fallback.ts';
import { CLOCK_MARGIN, type CacheKeys } from './keys.ts';
import { isUnavailable } from './redis.ts';

/** Entries read from the store and written to Redis per round trip when copying. */
const COPY_PAGE = 1000;

export class CachedDenylist implements DenylistStore {
  readonly #redis: Redis;
  readonly #keys: CacheKeys;
  readonly #store: Pick<Store, 'denylist'>;
  readonly #outage: CacheOutage;
  readonly #epoch: CacheEpoch;
  readonly #now: () => number;

  constructor(deps: { redis: Redis; keys: CacheKeys; store: Pick<Store, 'denylist'>; outage: CacheOutage; epoch: CacheEpoch; now: () => number }) {
    this.#redis = deps.redis;
    this.#keys = deps.keys;
    this.#store = deps.store;
    this.#outage = deps.outage;
    this.#epoch = deps.epoch;
    this.#now = deps.now;
    this.#epoch.copyWith(() => this.#copyFromStore());
  }

  /** The key's lifetime: until the token's exp by this node's clock, and CLOCK_MARGIN longer for nodes behind it. */
  #lifetime(expiresAt: number, now: number): number {
    return Math.max(1, Math.ceil(expiresAt - now)) + CLOCK_MARGIN;
  }

  async #deny(key: string, expiresAt: number): Promise<void> {
    try {
      await this.#redis.set(this.#keys.denied(key), expiresAt, 'EX', this.#lifetime(expiresAt, this.#now()));
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      // The store has it; Redis has not, so this node asks the store until it has copied it over.
      this.#epoch.distrust();
      await this.#outage.failed(err);
      return;
    }
    await this.#outage.answered();
  }

  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    await this.#store.denylist.denyAccessToken(jti, expiresAt);
    await this.#deny(jti, expiresAt);
  }

  async denySession(sid: string, expiresAt: number): Promise<void> {
    await this.#store.denylist.denySession(sid, expiresAt);
    await this.#deny(sessionKey(sid), expiresAt);
  }

  /** One MGET for the marker, the jti and the family together. */
  async isAccessTokenDenied(token: DeniableToken): Promise<boolean> {
    if (!this.#epoch.trusted) return this.#store.denylist.isAccessTokenDenied(token);
    const keys = [this.#epoch.key, ...denylistKeys(token).map((key) => this.#keys.denied(key))];
    return this.#outage.run(async () => {
      const [marker, ...entries] = await this.#redis.mget(...keys);
      if (!this.#epoch.confirms(marker ?? null)) return this.#store.denylist.isAccessTokenDenied(token);
      return entries.some((entry) => entry !== null);
    }, () => this.#store.denylist.isAccessTokenDenied(token));
  }

  listDenied(after: string, limit: number, now: number): Promise<DeniedEntry[]> {
    return this.#store.denylist.listDenied(after, limit, now);
  }

  /** Every entry in force, from the store into Redis, a page per round trip; returns how many. */
  async #copyFromStore(): Promise<number> {
    let copied = 0;
    let after = '';
    for (;;) {
      const now = this.#now();
      const page = await this.#store.denylist.listDenied(after, COPY_PAGE, now);
      if (page.length === 0) return copied;
      const pipeline = this.#redis.pipeline();
      for (const { key, expires_at } of page) pipeline.set(this.#keys.denied(key), expires_at, 'EX', this.#lifetime(expires_at, now));
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
      copied += page.length;
      after = page.at(-1)!.key;
    }
  }
}
