/** Records to and from PostgreSQL rows: booleans, jsonb and text[] map to JS natively, bigint via the pool's parser. */
import type { NewUser, UserRecord } from '../../model/user.ts';
import type { RefreshFamilyRecord } from '../../model/tokens.ts';
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
  return insertManySql(table, [row], suffix);
}

/** `INSERT INTO table (a, b) VALUES ($1, $2), ($3, $4)`: rows with the first one's columns, in one statement. */
export function insertManySql(table: string, rows: Row[], suffix = ''): [string, unknown[]] {
  const columns = Object.keys(rows[0]!);
  const tuples = rows.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
  return [`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${suffix}`, rows.flatMap((row) => columns.map((c) => row[c]))];
}

const REFRESH_COLUMNS = ['selector', 'family_id', 'generation', 'token_hashes', 'previous_hashes', 'rotated_at', 'client_id', 'user_id',
  'connection', 'scope', 'audience', 'auth_time', 'amr', 'created_at', 'family_expires_at', 'idle_expires_at', 'revoked_at', 'cnf', 'device'] as const;

/** The named fields of a record, as a row. */
export function pick<T>(record: T, columns: readonly (keyof T & string)[]): Row {
  return Object.fromEntries(columns.map((column) => [column, record[column]]));
}

/** scope, amr and the hashes are text[]: pg sends JS arrays as PostgreSQL arrays and parses them back; cnf is jsonb, sent as JSON. */
export function refreshFamilyRow(t: RefreshFamilyRecord): Row {
  return pick(t, REFRESH_COLUMNS);
}

export function toRefreshFamily(row: Row): RefreshFamilyRecord {
  return row as unknown as RefreshFamilyRecord;
}
