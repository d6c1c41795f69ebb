/**
 * Whether this node may believe what Redis says is absent. Redis can lose everything without a sound (a restart
 * without persistence, FLUSHALL, a failover to an empty replica), and a revocation that vanished with it would
 * silently be undone. So the SQL store stays the authority, and Redis is trusted only while it holds a marker: a
 * random value under `<prefix>epoch`, set once a node has copied the store's state into Redis.
 *
 * A node trusts a marker value only after it has itself copied everything (every registered copier) into the Redis
 * that holds that value, and found the value unchanged afterwards: a flush during the copy changes or removes it and
 * the copy starts over. Lookups read the marker with their keys in one MGET (atomic, so both come from one data
 * set), and a value that is not the trusted one sends the lookup to SQL and starts a new copy. A reconnection, or a
 * write Redis did not take, also withdraws trust until the next copy, so nothing written to SQL meanwhile is missed.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How often a serving node reads the marker when no lookup has (watch). */
export const EPOCH_CHECK_MS = 5000;
/** After a copy that failed (Redis unreachable), the next is tried no sooner than this. */
const RETRY_MS = 1000;
/** Copies that found the marker changed under them before this node gives up until the next lookup or check. */
const ATTEMPTS = 3;

export class CacheEpoch {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #log: Logger;
  readonly #copiers: (() => Promise<number>)[] = [];
  /** The marker value this node has verified, or undefined while Redis's answers do not count. */
  #trusted: string | undefined;
  /** Bumped whenever trust is withdrawn, so a copy that began before cannot restore it. */
  #generation = 0;
  #copying: Promise<boolean> | undefined;
  #notBefore = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: { redis: Redis; key: string; log: Logger }) {
    this.#redis = deps.redis;
    this.#key = deps.key;
    this.#log = deps.log;
  }

  /** The Redis key of the marker, to read along with a lookup's keys. */
  get key(): string {
    return this.#key;
  }

  /** Registers what a copy writes from SQL into Redis; `copy` resolves to how many entries it wrote. */
  copyWith(copy: () => Promise<number>): void {
    this.#copiers.push(copy);
  }

  /** Whether Redis's answers count now; when they do not, a copy is started (one at a time) and SQL answers meanwhile. */
  get trusted(): boolean {
    if (this.#trusted === undefined) void this.establish();
    return this.#trusted !== undefined;
  }

  /** `marker`, read with a lookup, is the trusted value: the lookup's answer counts. Otherwise trust is withdrawn. */
  confirms(marker: string | null): boolean {
    if (marker !== null && marker === this.#trusted) return true;
    // Untrusted already: a copy is under way or starts with the next lookup, and checks the marker itself.
    if (this.#trusted === undefined) return false;
    this.#log.warn({ dependency: 'cache' }, 'cache lost its data (restarted empty, flushed or failed over): answering from the store until it is copied back');
    this.distrust();
    return false;
  }

  /** Redis may have missed a write (it reconnected, or refused one): its answers count again after the next copy. */
  distrust(): void {
    this.#trusted = undefined;
    this.#generation++;
    this.#notBefore = 0;
    void this.establish();
  }

  /** Copies the store's state into Redis and trusts it, unless trusted already; true once trusted. */
  establish(): Promise<boolean> {
    if (this.#trusted !== undefined) return Promise.resolve(true);
    if (this.#copying) return this.#copying;
    if (performance.now() < this.#notBefore) return Promise.resolve(false);
    this.#copying = this.#copy()
      .catch(() => false)
      .then((done) => {
        if (!done) this.#notBefore = performance.now() + RETRY_MS;
        return done;
      })
      .finally(() => { this.#copying = undefined; });
    return this.#copying;
  }

  async #copy(): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const generation = this.#generation;
      await this.#redis.set(this.#key, randomUUID(), 'NX');
      const marker = await this.#redis.get(this.#key);
      if (marker === null) continue;
      let copied = 0;
      for (const copy of this.#copiers) copied += await copy();
      if (await this.#redis.get(this.#key) !== marker) continue;
      // Trust withdrawn during the copy: what made it so may have been written after the copy read the store.
      if (generation !== this.#generation) continue;
      this.#trusted = marker;
      this.#log.info({ dependency: 'cache', copied }, 'cache holds the store\'s revocations: answering from it');
      return true;
    }
    return false;
  }

  /** Reads the marker every `ms`, so a node that looks nothing up also notices a loss (and readiness says so). */
  watch(ms: number): void {
    this.#timer = setInterval(() => {
      if (this.#trusted === undefined) void this.establish();
      else this.#redis.get(this.#key).then((marker) => this.confirms(marker), () => {});
    }, ms).unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
