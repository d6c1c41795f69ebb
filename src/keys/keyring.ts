/**
 * Signing keys: generated on first start for each algorithm in use, kept in
 * the store, imported once, and published as a JWKS (public parts only).
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { KeyStore } from '../storage/interfaces.ts';
import type { SigningAlg } from './algorithms.ts';

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

export class KeyRing {
  readonly #signing = new Map<SigningAlg, SigningKey>();
  readonly #verifying = new Map<string, { alg: SigningAlg; key: Key }>();
  readonly #jwks: PublicJwk[] = [];

  /** Loads the stored keys and makes one for each algorithm in `algs` that has none. */
  static async open(store: KeyStore, algs: Iterable<SigningAlg>, now: () => number): Promise<KeyRing> {
    const stored = await store.listSigningKeys();
    for (const alg of new Set(algs)) {
      if (stored.some((k) => k.alg === alg)) continue;
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
      const public_jwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(public_jwk);
      const record = { kid, alg, private_jwk: await exportJWK(privateKey), public_jwk, created_at: now() };
      await store.addSigningKey(record);
      stored.push(record);
    }
    const ring = new KeyRing();
    for (const record of stored) {
      // The newest key of each algorithm signs; every stored key verifies.
      ring.#signing.set(record.alg, { kid: record.kid, alg: record.alg, key: await importJWK(record.private_jwk, record.alg) });
      ring.#verifying.set(record.kid, { alg: record.alg, key: await importJWK(record.public_jwk, record.alg) });
      ring.#jwks.push({ ...record.public_jwk, kid: record.kid, alg: record.alg, use: 'sig' });
    }
    return ring;
  }

  signingKey(alg: SigningAlg): SigningKey {
    const key = this.#signing.get(alg);
    if (!key) throw new Error(`no signing key for ${alg}`);
    return key;
  }

  verificationKey(kid: string | undefined): { alg: SigningAlg; key: Key } | undefined {
    return kid === undefined ? undefined : this.#verifying.get(kid);
  }

  algorithms(): SigningAlg[] {
    return [...this.#signing.keys()];
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: this.#jwks };
  }
}
