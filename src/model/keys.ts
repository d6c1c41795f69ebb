/** Signing keys and their lifecycle. */
import type { JWK } from 'jose';
import type { SigningAlg } from '../protocol/algorithms.ts';

/**
 * A signing key's lifecycle: `next` is published ahead of use, `current` signs (one per algorithm), `previous` no
 * longer signs but still verifies what it signed, `revoked` is gone from the JWKS and from verification.
 */
export const KEY_STATES = ['next', 'current', 'previous', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

/** A new key, before the store gives it a state. */
export interface NewSigningKey {
  kid: string;
  alg: SigningAlg;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: number;
}

export interface SigningKeyRecord extends NewSigningKey {
  state: KeyState;
  /** Unix seconds: when it became current; null while next. */
  activated_at: number | null;
  /** When it stopped signing (became previous). */
  retired_at: number | null;
  /** When it was revoked; its private part is erased then. */
  revoked_at: number | null;
}
