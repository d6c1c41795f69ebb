/** What the SQLite slices share: the connection's cached statements, and transactions, synchronous as node:sqlite is. */
import type { SQLInputValue, StatementSync } from 'node:sqlite';

export type Row = Record<string, SQLInputValue>;

export interface SqliteDb {
  /** The statement for `sql`, prepared once per connection. */
  sql(sql: string): StatementSync;
  /** BEGIN IMMEDIATE ... COMMIT around `work`, ROLLBACK when it throws: synchronous, so no other call runs inside it. */
  transaction<T>(work: () => T): T;
}
