/**
 * Making signing keys and moving them through their lifecycle in the store (next -> current -> previous -> revoked):
 * shared by the server, which makes sure every algorithm in use has keys, and by `tollgate keys`.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { Store } from '../storage/store.ts';
import type { NewSigningKey, SigningKeyRecord } from '../model/keys.ts';
import type { SigningAlg } from '../protocol/algorithms.ts';

/** A fresh key pair; its kid is the RFC 7638 thumbprint of the public key. */
export async function newSigningKey(alg: SigningAlg, now: number): Promise<NewSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const public_jwk = await exportJWK(publicKey);
  return { kid: await calculateJwkThumbprint(public_jwk), alg, private_jwk: await exportJWK(privateKey), public_jwk, created_at: now };
}

/**
 * Gives each algorithm in `algs` a current key and a next one where it lacks them; returns every stored key.
 * Nodes doing this at once are safe: the store keeps one key per algorithm and state, and the losers read the winners'.
 */
export async function ensureSigningKeys(store: Pick<Store, 'keys'>, algs: Iterable<SigningAlg>, now: number): Promise<SigningKeyRecord[]> {
  const stored = await store.keys.listSigningKeys();
  let added = false;
  for (const alg of new Set(algs)) {
    for (const state of ['current', 'next'] as const) {
      if (stored.some((k) => k.alg === alg && k.state === state)) continue;
      await store.keys.addSigningKey(await newSigningKey(alg, now), state);
      added = true;
    }
  }
  return added ? store.keys.listSigningKeys() : stored;
}

export interface Rotation {
  /** The key that signs from now on (the former next one). */
  current: SigningKeyRecord;
  /** The key announced to sign after it. */
  next: NewSigningKey;
}

/** Promotes `alg`'s next key to current (giving it a next first if it has none); undefined if `alg` has no current key. */
export async function rotateSigningKeys(store: Pick<Store, 'keys'>, alg: SigningAlg, now: number): Promise<Rotation | undefined> {
  const stored = await store.keys.listSigningKeys();
  if (!stored.some((k) => k.alg === alg && k.state === 'current')) return undefined;
  if (!stored.some((k) => k.alg === alg && k.state === 'next')) await ensureSigningKeys(store, [alg], now);
  const next = await newSigningKey(alg, now);
  const current = await store.keys.rotateSigningKey(next, now);
  return current && { current, next };
}
