/**
 * User export jobs (Auth0's users-exports) in SQL both dialects run unchanged ($n parameters, as jobs-sql.ts). A
 * record holds what to export and until when its download is served; the file itself is written from the users
 * when it is downloaded, never kept.
 */
import type { UserExportRecord } from '../model/jobs.ts';
import type { ExportStore } from './slices/exports.ts';
import { insertStatement, type RunSql } from './portable-sql.ts';

/** The table, in the user search migration of both stores. */
export const USER_EXPORTS_SQL = `
      CREATE TABLE user_exports (
        id TEXT PRIMARY KEY,
        client_id TEXT,
        connection TEXT,
        format TEXT NOT NULL,
        fields TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX user_exports_expires ON user_exports (expires_at);
`;

const COLUMNS = ['id', 'client_id', 'connection', 'format', 'fields', 'created_at', 'expires_at'] as const;

export class SqlExportStore implements ExportStore {
  readonly #run: RunSql;
  constructor(run: RunSql) {
    this.#run = run;
  }

  async createExport(record: UserExportRecord): Promise<void> {
    const row = { ...record, fields: JSON.stringify(record.fields) };
    await this.#run(insertStatement('user_exports', COLUMNS), COLUMNS.map((c) => row[c]));
  }

  async getExport(id: string): Promise<UserExportRecord | undefined> {
    const [row] = await this.#run(`SELECT ${COLUMNS.join(', ')} FROM user_exports WHERE id = $1`, [id]);
    return row && { ...(row as unknown as UserExportRecord), created_at: Number(row.created_at), expires_at: Number(row.expires_at), fields: JSON.parse(row.fields as string) };
  }

  async purgeExports(expiredBefore: number): Promise<number> {
    return (await this.#run('DELETE FROM user_exports WHERE expires_at < $1 RETURNING id', [expiredBefore])).length;
  }
}
