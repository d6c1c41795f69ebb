import type { NewSigningKey, SigningKeyRecord } from '../../model/keys.ts';

export interface KeyStore {
  /** Every key, revoked ones included, oldest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Inserts a key as its algorithm's current or next one, unless the algorithm has one in that state already (or
   * the kid exists): false then, and the caller reads the keys again (another node got there first).
   */
  addSigningKey(key: NewSigningKey, state: 'current' | 'next'): Promise<boolean>;
  /**
   * One transaction, serialised per algorithm: the algorithm's next key becomes current, its current one previous,
   * and `next` (of the same algorithm) the new next. Returns the key that became current; undefined, changing
   * nothing, when the algorithm has no next key.
   */
  rotateSigningKey(next: NewSigningKey, now: number): Promise<SigningKeyRecord | undefined>;
  /**
   * Revokes a next or previous key (erasing its private part); never a current one. Returns the key as it was
   * before, so the caller can tell why nothing changed (undefined: no such kid).
   */
  revokeSigningKey(kid: string, now: number): Promise<SigningKeyRecord | undefined>;
}
