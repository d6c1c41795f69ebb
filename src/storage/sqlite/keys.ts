/** Signing keys on SQLite: rotations and revocations in one BEGIN IMMEDIATE transaction each. */
import type { SQLInputValue } from 'node:sqlite';
import type { KeyState, NewSigningKey, SigningKeyRecord } from '../../model/keys.ts';
import { ConflictError } from '../errors.ts';
import type { KeyStore } from '../slices/keys.ts';
import type { SqliteDb } from './db.ts';

export class SqliteKeys implements KeyStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  #signingKeys(where: string, ...values: SQLInputValue[]): SigningKeyRecord[] {
    return this.#db.sql(`SELECT * FROM signing_keys ${where} ORDER BY created_at, kid`).all(...values).map((row) => ({
      kid: row.kid as string,
      alg: row.alg as SigningKeyRecord['alg'],
      private_jwk: JSON.parse(row.private_jwk as string),
      public_jwk: JSON.parse(row.public_jwk as string),
      created_at: row.created_at as number,
      state: row.state as KeyState,
      activated_at: row.activated_at as number | null,
      retired_at: row.retired_at as number | null,
      revoked_at: row.revoked_at as number | null,
    }));
  }

  #insertSigningKey(key: NewSigningKey, state: 'current' | 'next'): boolean {
    // DO NOTHING: the kid exists, or the algorithm has a key in that state (signing_keys_current, signing_keys_next).
    return this.#db.sql(`INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, state, activated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(key.kid, key.alg, JSON.stringify(key.private_jwk), JSON.stringify(key.public_jwk), key.created_at, state,
        state === 'current' ? key.created_at : null).changes === 1;
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.#signingKeys('');
  }

  async addSigningKey(key: NewSigningKey, state: 'current' | 'next'): Promise<boolean> {
    return this.#insertSigningKey(key, state);
  }

  async rotateSigningKey(next: NewSigningKey, now: number): Promise<SigningKeyRecord | undefined> {
    return this.#db.transaction(() => {
      const [promoted] = this.#signingKeys(`WHERE alg = ? AND state = 'next'`, next.alg);
      if (!promoted) return undefined;
      this.#db.sql(`UPDATE signing_keys SET state = 'previous', retired_at = ? WHERE alg = ? AND state = 'current'`).run(now, next.alg);
      this.#db.sql(`UPDATE signing_keys SET state = 'current', activated_at = ? WHERE kid = ?`).run(now, promoted.kid);
      if (!this.#insertSigningKey(next, 'next')) throw new ConflictError(`signing key ${next.kid}`);
      return { ...promoted, state: 'current' as const, activated_at: now };
    });
  }

  async revokeSigningKey(kid: string, now: number): Promise<SigningKeyRecord | undefined> {
    return this.#db.transaction(() => {
      const [key] = this.#signingKeys('WHERE kid = ?', kid);
      if (key?.state === 'next' || key?.state === 'previous') {
        this.#db.sql(`UPDATE signing_keys SET state = 'revoked', revoked_at = ?, private_jwk = '{}' WHERE kid = ?`).run(now, kid);
      }
      return key;
    });
  }
}
