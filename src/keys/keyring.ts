/**
 * Signing keys as a node uses them: read from the store (where `tollgate keys` rotates and revokes them), imported
 * once, and reloaded in the background every `keys.cache_ttl` seconds, so a change made anywhere reaches this node
 * within that bound. Current keys sign; current, next and previous keys verify and are published as a JWKS
 * (public parts only); revoked keys do neither.
 */
import { importJWK, type JWK } from 'jose';
import type { Store } from '../storage/store.ts';
import type { KeyState, SigningKeyRecord } from '../model/keys.ts';
import type { SigningAlg } from '../protocol/algorithms.ts';
import { ensureSigningKeys } from './lifecycle.ts';

type Key = Awaited<ReturnType<typeof importJWK>>;

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: Key;
}

export interface PublicJwk extends JWK {
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

export interface KeyRingOptions {
  /** Unix seconds. */
  now: () => number;
  /** Seconds between reloads from the store (keys.cache_ttl). */
  cacheTtl: number;
  /** A background reload failed; the keys loaded before stay in use. */
  onReloadError?: (err: unknown) => void;
}

/** A token with a kid this node does not know reloads the keys at most once in this many seconds. */
export const UNKNOWN_KID_RELOAD_INTERVAL = 5;

/** The order keys are published in. */
const PUBLISHED: readonly KeyState[] = ['current', 'next', 'previous'];

/** One consistent view of the stored keys; replaced whole on reload. */
interface Snapshot {
  signing: Map<SigningAlg, SigningKey>;
  verifying: Map<string, { alg: SigningAlg; key: Key }>;
  revoked: Set<string>;
  jwks: { keys: PublicJwk[] };
}

/** Imports what `before` has not imported already (a reload re-reads records, not keys). */
async function snapshotOf(records: SigningKeyRecord[], before?: Snapshot): Promise<Snapshot> {
  const snapshot: Snapshot = { signing: new Map(), verifying: new Map(), revoked: new Set(), jwks: { keys: [] } };
  const published = records.filter((r) => PUBLISHED.includes(r.state)).sort((a, b) => PUBLISHED.indexOf(a.state) - PUBLISHED.indexOf(b.state));
  for (const record of published) {
    const { kid, alg } = record;
    snapshot.verifying.set(kid, before?.verifying.get(kid) ?? { alg, key: await importJWK(record.public_jwk, alg) });
    snapshot.jwks.keys.push({ ...record.public_jwk, kid, alg, use: 'sig' });
    if (record.state !== 'current') continue;
    const signing = before?.signing.get(alg);
    snapshot.signing.set(alg, signing?.kid === kid ? signing : { kid, alg, key: await importJWK(record.private_jwk, alg) });
  }
  for (const record of records) if (record.state === 'revoked') snapshot.revoked.add(record.kid);
  return snapshot;
}

export class KeyRing {
  readonly #store: Pick<Store, 'keys'>;
  readonly #options: KeyRingOptions;
  readonly #timer: NodeJS.Timeout;
  #snapshot: Snapshot;
  #reloading: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #unknownKidReloadAt = -Infinity;

  private constructor(store: Pick<Store, 'keys'>, options: KeyRingOptions, snapshot: Snapshot) {
    this.#store = store;
    this.#options = options;
    this.#snapshot = snapshot;
    this.#timer = setInterval(() => {
      this.reload().catch((err: unknown) => options.onReloadError?.(err));
    }, options.cacheTtl * 1000);
    this.#timer.unref();
  }

  /** Gives every algorithm in `algs` a current and a next key where it lacks them, then loads the keys. Close it when done. */
  static async open(store: Pick<Store, 'keys'>, algs: Iterable<SigningAlg>, options: KeyRingOptions): Promise<KeyRing> {
    return new KeyRing(store, options, await snapshotOf(await ensureSigningKeys(store, algs, options.now())));
  }

  /**
   * Reads the keys from the store again, in a read that starts after this call: callers that come while one is in
   * flight share the one read queued behind it. Requests meanwhile use the keys loaded before.
   */
  reload(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (this.#reloading) {
      this.#queued = this.#reloading.catch(() => {}).then(() => {
        this.#queued = undefined;
        return this.reload();
      });
      return this.#queued;
    }
    this.#reloading = this.#load().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #load(): Promise<void> {
    this.#snapshot = await snapshotOf(await this.#store.keys.listSigningKeys(), this.#snapshot);
  }

  /** Stops the background reloads. */
  close(): void {
    clearInterval(this.#timer);
  }

  /** The algorithm's current key. */
  signingKey(alg: SigningAlg): SigningKey {
    const key = this.#snapshot.signing.get(alg);
    if (!key) throw new Error(`no signing key for ${alg}`);
    return key;
  }

  /**
   * A current, next or previous key. A kid this node has never seen may be a key another node promoted since this
   * one last loaded: that reloads, at most once per UNKNOWN_KID_RELOAD_INTERVAL, so made-up kids cannot make every
   * request reach the store.
   */
  async verificationKey(kid: string | undefined): Promise<{ alg: SigningAlg; key: Key } | undefined> {
    if (kid === undefined) return undefined;
    const known = this.#snapshot.verifying.get(kid);
    if (known || this.#snapshot.revoked.has(kid)) return known;
    const now = this.#options.now();
    if (now - this.#unknownKidReloadAt < UNKNOWN_KID_RELOAD_INTERVAL) return undefined;
    this.#unknownKidReloadAt = now;
    try {
      await this.reload();
    } catch (err) {
      this.#options.onReloadError?.(err);
    }
    return this.#snapshot.verifying.get(kid);
  }

  /** The algorithms that have a current key. */
  algorithms(): SigningAlg[] {
    return [...this.#snapshot.signing.keys()];
  }

  /** Current, next and previous keys' public parts. */
  jwks(): { keys: PublicJwk[] } {
    return this.#snapshot.jwks;
  }

  /** Seconds a client may cache the JWKS: no longer than a node keeps keys it loaded. */
  get maxAge(): number {
    return this.#options.cacheTtl;
  }
}
