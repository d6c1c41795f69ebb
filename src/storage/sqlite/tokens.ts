/** Refresh-token families, the access-token denylist and single-use identifiers on SQLite. */
import type { DeniableToken, DeniedEntry, RefreshFamilyRecord, RefreshFamilyState } from '../../model/tokens.ts';
import type { DenylistStore } from '../slices/denylist.ts';
import type { RefreshTokenStore } from '../slices/refresh-families.ts';
import type { SingleUseStore } from '../slices/single-use.ts';
import { denylistKeys, sessionKey } from '../denylist-keys.ts';
import { ENDED_FAMILIES } from '../refresh-sql.ts';
import type { Row, SqliteDb } from './db.ts';

/** Field by field: half the cost of spreading the row, on every refresh. */
function toRefreshFamily(row: Row): RefreshFamilyRecord {
  return {
    selector: row.selector as string,
    family_id: row.family_id as string,
    generation: row.generation as number,
    token_hashes: JSON.parse(row.token_hashes as string),
    previous_hashes: JSON.parse(row.previous_hashes as string),
    rotated_at: row.rotated_at as number | null,
    client_id: row.client_id as string,
    user_id: row.user_id as string,
    connection: row.connection as string,
    scope: JSON.parse(row.scope as string),
    audience: row.audience as string | null,
    auth_time: row.auth_time as number,
    amr: JSON.parse(row.amr as string),
    created_at: row.created_at as number,
    family_expires_at: row.family_expires_at as number,
    idle_expires_at: row.idle_expires_at as number,
    revoked_at: row.revoked_at as number | null,
    cnf: row.cnf === null ? null : JSON.parse(row.cnf as string),
    device: row.device as string | null,
  };
}

/** Families a purge looks at between two turns of the event loop: about a millisecond's work. */
const PURGE_SLICE = 1000;

export class SqliteRefreshFamilies implements RefreshTokenStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  // RefreshTokenStore: one record per family, rotated in place by a compare-and-set on its live hashes.

  async createRefreshFamily(f: RefreshFamilyRecord): Promise<void> {
    this.#db.sql(`INSERT INTO refresh_families (selector, family_id, generation, token_hashes, previous_hashes, rotated_at, client_id, user_id,
      connection, scope, audience, auth_time, amr, created_at, family_expires_at, idle_expires_at, revoked_at, cnf, device)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(f.selector, f.family_id, f.generation, JSON.stringify(f.token_hashes), JSON.stringify(f.previous_hashes), f.rotated_at, f.client_id,
        f.user_id, f.connection, JSON.stringify(f.scope), f.audience, f.auth_time, JSON.stringify(f.amr), f.created_at, f.family_expires_at,
        f.idle_expires_at, f.revoked_at, f.cnf === null ? null : JSON.stringify(f.cnf), f.device);
  }

  async findRefreshFamily(selector: string): Promise<RefreshFamilyRecord | undefined> {
    const row = this.#db.sql('SELECT * FROM refresh_families WHERE selector = ?').get(selector);
    return row ? toRefreshFamily(row) : undefined;
  }

  async advanceRefreshFamily(selector: string, expected: readonly string[], next: RefreshFamilyState): Promise<boolean> {
    return this.#db.sql(`UPDATE refresh_families SET generation = ?, token_hashes = ?, previous_hashes = ?, rotated_at = ?, idle_expires_at = ?
      WHERE selector = ? AND token_hashes = ? AND revoked_at IS NULL`)
      .run(next.generation, JSON.stringify(next.token_hashes), JSON.stringify(next.previous_hashes), next.rotated_at, next.idle_expires_at,
        selector, JSON.stringify(expected)).changes === 1;
  }

  async touchRefreshFamily(selector: string, idleExpiresAt: number): Promise<void> {
    this.#db.sql('UPDATE refresh_families SET idle_expires_at = ? WHERE selector = ? AND idle_expires_at < ?').run(idleExpiresAt, selector, idleExpiresAt);
  }

  async revokeRefreshFamily(familyId: string, now: number): Promise<void> {
    this.#db.sql('UPDATE refresh_families SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(now, familyId);
  }

  async revokeUserRefreshTokens(userId: string, now: number): Promise<string[]> {
    const rows = this.#db.sql('UPDATE refresh_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL RETURNING family_id').all(now, userId);
    return [...new Set(rows.map((row) => row.family_id as string))];
  }

  /**
   * Ended families, found by a scan (their idle expiry changes with every rotation, so no index holds it) taken a
   * slice of the primary key at a time, with the event loop free between slices: SQLite runs on it, and one DELETE
   * over millions of live sessions would hold every request up for the whole scan.
   */
  async purgeEnded(now: number, closing: () => boolean): Promise<number> {
    let after = '';
    let purged = 0;
    while (!closing()) {
      const slice = this.#db.sql(`SELECT max(selector) AS last FROM (SELECT selector FROM refresh_families WHERE selector > ?
        ORDER BY selector LIMIT ${PURGE_SLICE})`).get(after);
      const last = slice?.last as string | null | undefined;
      if (last === null || last === undefined) break;
      purged += Number(this.#db.sql(`DELETE FROM refresh_families WHERE selector > ? AND selector <= ? AND (${ENDED_FAMILIES('?', '?')})`)
        .run(after, last, now, now).changes);
      after = last;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return purged;
  }
}

export class SqliteDenylist implements DenylistStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  // DenylistStore: jtis and family sids share the table's key (denylist-keys.ts).

  #deny(key: string, expiresAt: number): void {
    this.#db.sql('INSERT INTO denied_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING').run(key, expiresAt);
  }

  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    this.#deny(jti, expiresAt);
  }

  async denySession(sid: string, expiresAt: number): Promise<void> {
    this.#deny(sessionKey(sid), expiresAt);
  }

  async isAccessTokenDenied(token: DeniableToken): Promise<boolean> {
    const [jti, family = jti] = denylistKeys(token);
    return this.#db.sql('SELECT 1 FROM denied_access_tokens WHERE jti IN (?, ?)').get(jti!, family!) !== undefined;
  }

  async listDenied(after: string, limit: number, now: number): Promise<DeniedEntry[]> {
    return this.#db.sql('SELECT jti AS key, expires_at FROM denied_access_tokens WHERE jti > ? AND expires_at > ? ORDER BY jti LIMIT ?')
      .all(after, now, limit) as unknown as DeniedEntry[];
  }
}

export class SqliteSingleUse implements SingleUseStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async useOnce(key: string, expiresAt: number, now: number): Promise<boolean> {
    // A remembered use that has expired is replaced, so the key is usable again only once it could not be a replay.
    return this.#db.sql(`INSERT INTO used_once (key, expires_at) VALUES (?, ?)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= ?`).run(key, expiresAt, now).changes === 1;
  }
}
