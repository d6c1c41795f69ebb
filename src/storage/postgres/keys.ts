/** Signing keys on PostgreSQL: rotations and revocations serialised per algorithm by an advisory lock. */
import type { NewSigningKey, SigningKeyRecord } from '../../model/keys.ts';
import { ConflictError } from '../errors.ts';
import type { KeyStore } from '../slices/keys.ts';
import type { Db, Query } from './db.ts';

/** pg_advisory_xact_lock(SIGNING_KEY_LOCK, hashtext(alg)) serialises rotations and revocations of one algorithm's keys. */
const SIGNING_KEY_LOCK = 0x6b657973; // "keys"

async function signingKeys(query: Query, where: string, values: unknown[] = []): Promise<SigningKeyRecord[]> {
  const { rows } = await query(`SELECT kid, alg, private_jwk, public_jwk, created_at, state, activated_at, retired_at, revoked_at
    FROM signing_keys ${where} ORDER BY created_at, kid`, values);
  return rows as unknown as SigningKeyRecord[];
}

/** DO NOTHING: the kid exists, or the algorithm has a key in that state (signing_keys_current, signing_keys_next). */
async function insertSigningKey(query: Query, key: NewSigningKey, state: 'current' | 'next'): Promise<boolean> {
  const inserted = await query(`INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, state, activated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
  [key.kid, key.alg, JSON.stringify(key.private_jwk), JSON.stringify(key.public_jwk), key.created_at, state, state === 'current' ? key.created_at : null]);
  return inserted.rowCount === 1;
}

export class PostgresKeys implements KeyStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return signingKeys(this.#db.query, '');
  }

  async addSigningKey(key: NewSigningKey, state: 'current' | 'next'): Promise<boolean> {
    return insertSigningKey(this.#db.query, key, state);
  }

  async rotateSigningKey(next: NewSigningKey, now: number): Promise<SigningKeyRecord | undefined> {
    return this.#db.transaction(async (query) => {
      await query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SIGNING_KEY_LOCK, next.alg]);
      const [promoted] = await signingKeys(query, `WHERE alg = $1 AND state = 'next'`, [next.alg]);
      if (!promoted) return undefined;
      await query(`UPDATE signing_keys SET state = 'previous', retired_at = $1 WHERE alg = $2 AND state = 'current'`, [now, next.alg]);
      await query(`UPDATE signing_keys SET state = 'current', activated_at = $1 WHERE kid = $2`, [now, promoted.kid]);
      if (!await insertSigningKey(query, next, 'next')) throw new ConflictError(`signing key ${next.kid}`);
      return { ...promoted, state: 'current' as const, activated_at: now };
    });
  }

  async revokeSigningKey(kid: string, now: number): Promise<SigningKeyRecord | undefined> {
    return this.#db.transaction(async (query) => {
      await query('SELECT pg_advisory_xact_lock($1, hashtext(alg)) FROM signing_keys WHERE kid = $2', [SIGNING_KEY_LOCK, kid]);
      const [key] = await signingKeys(query, 'WHERE kid = $1', [kid]);
      if (key?.state === 'next' || key?.state === 'previous') {
        await query(`UPDATE signing_keys SET state = 'revoked', revoked_at = $1, private_jwk = '{}' WHERE kid = $2`, [now, kid]);
      }
      return key;
    });
  }
}
