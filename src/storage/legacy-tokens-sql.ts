/**
 * LegacyTokenStore in SQL that both dialects run unchanged (parameters as $n, rewritten for SQLite by its executor,
 * as for the MFA store): the legacy /oauth/ro's opaque access tokens, by their SHA-256.
 */
import type { LegacyAccessTokenRecord } from '../model/tokens.ts';
import type { LegacyTokenStore } from './slices/legacy-tokens.ts';
import { insertStatement as insert, type RunSql } from './portable-sql.ts';

/** The legacy /oauth/ro's access tokens, one migration for both stores: the column types mean the same in SQLite and PostgreSQL. */
export const LEGACY_MIGRATION_SQL = `
  CREATE TABLE legacy_access_tokens (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX legacy_access_tokens_expiry ON legacy_access_tokens (expires_at);
  ALTER TABLE refresh_tokens ADD COLUMN device TEXT;
`;

const COLUMNS = ['id', 'client_id', 'user_id', 'scope', 'created_at', 'expires_at', 'sid'] as const;

export class SqlLegacyTokenStore implements LegacyTokenStore {
  readonly #run: RunSql;
  constructor(run: RunSql) {
    this.#run = run;
  }

  async createLegacyToken(token: LegacyAccessTokenRecord): Promise<void> {
    const row = { ...token, scope: JSON.stringify(token.scope) };
    await this.#run(insert('legacy_access_tokens', COLUMNS), COLUMNS.map((c) => row[c]));
  }

  async findLegacyToken(id: string): Promise<LegacyAccessTokenRecord | undefined> {
    const [row] = await this.#run(`SELECT ${COLUMNS.join(', ')} FROM legacy_access_tokens WHERE id = $1`, [id]);
    return row && { ...(row as unknown as LegacyAccessTokenRecord), scope: JSON.parse(row.scope as string) };
  }

  async deleteLegacyToken(id: string): Promise<boolean> {
    return (await this.#run('DELETE FROM legacy_access_tokens WHERE id = $1 RETURNING id', [id])).length === 1;
  }

  async purge(now: number): Promise<number> {
    return (await this.#run('DELETE FROM legacy_access_tokens WHERE expires_at <= $1 RETURNING id', [now])).length;
  }
}
