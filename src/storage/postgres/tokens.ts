/** Refresh-token families, the access-token denylist and single-use identifiers on PostgreSQL. */
import type { DeniableToken, DeniedEntry, RefreshFamilyRecord, RefreshFamilyState } from '../../model/tokens.ts';
import type { DenylistStore } from '../slices/denylist.ts';
import type { RefreshTokenStore } from '../slices/refresh-families.ts';
import type { SingleUseStore } from '../slices/single-use.ts';
import { denylistKeys, sessionKey } from '../denylist-keys.ts';
import type { Db } from './db.ts';
import { insertSql, refreshFamilyRow, toRefreshFamily } from './rows.ts';

  // RefreshTokenStore: one record per family, rotated in place by a compare-and-set on its live hashes. Under READ
  // COMMITTED a concurrent UPDATE of the same record waits for the first to commit, then re-checks its WHERE on the new
  // version, so exactly one of them matches; a rotation inserts nothing a revocation could miss.
export class PostgresRefreshFamilies implements RefreshTokenStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async createRefreshFamily(family: RefreshFamilyRecord): Promise<void> {
    await this.#db.query(...insertSql('refresh_families', refreshFamilyRow(family)));
  }

  async findRefreshFamily(selector: string): Promise<RefreshFamilyRecord | undefined> {
    const { rows } = await this.#db.query('SELECT * FROM refresh_families WHERE selector = $1', [selector]);
    return rows[0] && toRefreshFamily(rows[0]);
  }

  async advanceRefreshFamily(selector: string, expected: readonly string[], next: RefreshFamilyState): Promise<boolean> {
    const { rowCount } = await this.#db.query(`UPDATE refresh_families SET generation = $1, token_hashes = $2, previous_hashes = $3,
      rotated_at = $4, idle_expires_at = $5 WHERE selector = $6 AND token_hashes = $7::text[] AND revoked_at IS NULL`,
    [next.generation, next.token_hashes, next.previous_hashes, next.rotated_at, next.idle_expires_at, selector, expected]);
    return rowCount === 1;
  }

  async touchRefreshFamily(selector: string, idleExpiresAt: number): Promise<void> {
    await this.#db.query('UPDATE refresh_families SET idle_expires_at = $1 WHERE selector = $2 AND idle_expires_at < $1', [idleExpiresAt, selector]);
  }

  async revokeRefreshFamily(familyId: string, now: number): Promise<void> {
    await this.#db.query('UPDATE refresh_families SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL', [now, familyId]);
  }

  async revokeUserRefreshTokens(userId: string, now: number): Promise<string[]> {
    const { rows } = await this.#db.query('UPDATE refresh_families SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING family_id', [now, userId]);
    return [...new Set(rows.map((row) => row.family_id as string))];
  }
}

  // DenylistStore: jtis and family sids share the table's key (denylist-keys.ts).
export class PostgresDenylist implements DenylistStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async #deny(key: string, expiresAt: number): Promise<void> {
    await this.#db.query('INSERT INTO denied_access_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING', [key, expiresAt]);
  }

  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    await this.#deny(jti, expiresAt);
  }

  async denySession(sid: string, expiresAt: number): Promise<void> {
    await this.#deny(sessionKey(sid), expiresAt);
  }

  async isAccessTokenDenied(token: DeniableToken): Promise<boolean> {
    return (await this.#db.query('SELECT 1 FROM denied_access_tokens WHERE jti = ANY ($1::text[])', [denylistKeys(token)])).rowCount > 0;
  }

  async listDenied(after: string, limit: number, now: number): Promise<DeniedEntry[]> {
    // Compared and ordered in the same (the column's) collation, so pages follow the primary key and never skip one.
    const { rows } = await this.#db.query('SELECT jti AS key, expires_at FROM denied_access_tokens WHERE jti > $1 AND expires_at > $2 ORDER BY jti LIMIT $3',
      [after, now, limit]);
    return rows as unknown as DeniedEntry[];
  }
}

export class PostgresSingleUse implements SingleUseStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async useOnce(key: string, expiresAt: number, now: number): Promise<boolean> {
    // A remembered use that has expired is replaced, so the key is usable again only once it could not be a replay.
    return (await this.#db.query(`INSERT INTO used_once (key, expires_at) VALUES ($1, $2)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= $3`, [key, expiresAt, now])).rowCount === 1;
  }
}
