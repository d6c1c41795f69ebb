/** Records to and from PostgreSQL rows: booleans, jsonb and text[] map to JS natively, bigint via the pool's parser. */
import type { NewUser, RefreshTokenRecord, UserRecord } from '../interfaces.ts';
import type { Row } from './db.ts';
import { userColumns as columnsOf } from '../users.ts';

export function toUser(row: Row): UserRecord {
  const { username_lower: _username, email_lower: _email, ...user } = row;
  return user as unknown as UserRecord;
}

export function userColumns(user: NewUser): Row {
  return columnsOf(user, (flag) => flag);
}

/** `INSERT INTO table (a, b) VALUES ($1, $2)` for one row. */
export function insertSql(table: string, row: Row, suffix = ''): [string, unknown[]] {
  const columns = Object.keys(row);
  return [`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) ${suffix}`, Object.values(row)];
}

const REFRESH_COLUMNS = ['id', 'family_id', 'generation', 'client_id', 'user_id', 'connection', 'scope', 'audience', 'auth_time', 'amr',
  'created_at', 'family_expires_at', 'idle_expires_at', 'consumed_at', 'revoked_at', 'cnf'] as const;

/** The named fields of a record, as a row. */
export function pick<T>(record: T, columns: readonly (keyof T & string)[]): Row {
  return Object.fromEntries(columns.map((column) => [column, record[column]]));
}

/** scope and amr are text[]: pg sends JS arrays as PostgreSQL arrays and parses them back; cnf is jsonb, sent as JSON. */
export function refreshTokenRow(t: RefreshTokenRecord): Row {
  return pick(t, REFRESH_COLUMNS);
}

export function toRefreshToken(row: Row): RefreshTokenRecord {
  return row as unknown as RefreshTokenRecord;
}
