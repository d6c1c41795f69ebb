/**
 * SQL both stores run unchanged: statements with positional parameters ($1, $2, ...), which the SQLite store
 * renumbers as ?1, ?2 and PostgreSQL takes as they are (the MFA and job stores are written this way).
 */

type Row = Record<string, unknown>;

/** Runs one statement with positional parameters and returns its rows. */
export type RunSql = (sql: string, params: unknown[]) => Promise<Row[]>;

export function insertStatement(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
}
