/** Users and their password history on PostgreSQL. */
import type { ImportedNewUser, ImportedUser, MetadataPatch, NewUser, UserFilter, UserProfile, UserRecord } from '../../model/user.ts';
import { ConflictError } from '../errors.ts';
import type { PasswordHistoryStore } from '../slices/password-history.ts';
import type { UserStore } from '../slices/users.ts';
import { POSTGRES_SEARCH } from '../user-search-sql.ts';
import { PROFILE_COLUMNS, newUserId, profileColumns, userSearch } from '../users.ts';
import type { Db, Query, Row } from './db.ts';
import { insertManySql, insertSql, toUser, userColumns } from './rows.ts';

/** Rows per INSERT statement of an import: 18 columns each stay far below PostgreSQL's 65,535 parameters. */
const IMPORT_ROWS_PER_STATEMENT = 1000;

/**
 * An import's users in a few multi-row statements (one round trip per thousand users, not one each). ON CONFLICT
 * DO NOTHING, because a failed statement would abort the whole transaction; it also skips a row that conflicts
 * with an earlier one of the same statement. Returns the ids of the rows inserted.
 */
async function insertUsers(query: Query, rows: Row[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let start = 0; start < rows.length; start += IMPORT_ROWS_PER_STATEMENT) {
    const result = await query(...insertManySql('users', rows.slice(start, start + IMPORT_ROWS_PER_STATEMENT), 'ON CONFLICT DO NOTHING RETURNING id'));
    for (const row of result.rows) inserted.add(row.id as string);
  }
  return inserted;
}

/** Upsert of one user an import could not insert: FOR UPDATE, so the user it updates cannot change in between. */
async function updateProfile(query: Query, user: NewUser, now: number): Promise<ImportedUser> {
  const columns = userColumns(user);
  const { rows } = await query('SELECT id, password_hash FROM users WHERE connection = $1 AND (username_lower = $2 OR email_lower = $3) FOR UPDATE',
    [user.connection, columns.username_lower, columns.email_lower]);
  if (rows.length !== 1) return { outcome: 'conflict' };
  const id = rows[0]!.id as string;
  const sets = PROFILE_COLUMNS.map((c, i) => `${c} = $${i + 3}`).join(', ');
  await query(`UPDATE users SET ${sets}, updated_at = $2 WHERE id = $1`, [id, now, ...PROFILE_COLUMNS.map((c) => columns[c])]);
  return { outcome: 'updated', id, password_hash: rows[0]!.password_hash as string };
}

function userConflict(err: unknown, username: unknown, connection: string): unknown {
  return err instanceof ConflictError ? new ConflictError(`user "${String(username)}" or its email in connection "${connection}"`) : err;
}

const $ = (n: number) => `$${n}`;

export class PostgresUsers implements UserStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async findUserByLogin(connection: string, login: string): Promise<UserRecord | undefined> {
    const { rows } = await this.#db.query(`SELECT * FROM users WHERE connection = $1 AND (username_lower = $2 OR email_lower = $2)
      ORDER BY username_lower = $2 DESC LIMIT 1`, [connection, login.toLowerCase()]);
    return rows[0] && toUser(rows[0]);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const { rows } = await this.#db.query('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] && toUser(rows[0]);
  }

  async createUser(user: NewUser, now: number): Promise<UserRecord> {
    const row = { ...userColumns(user), id: newUserId(), created_at: now, updated_at: now };
    try {
      const { rows } = await this.#db.query(...insertSql('users', row, 'RETURNING *'));
      return toUser(rows[0]!);
    } catch (err) {
      throw userConflict(err, user.username, user.connection);
    }
  }

  /** Sets `columns` of user `id`; returns the user's connection, undefined when there is none. */
  async #setUser(id: string, columns: Record<string, unknown>, now: number): Promise<string | undefined> {
    const row = { ...columns, updated_at: now };
    const sets = Object.keys(row).map((k, i) => `${k} = $${i + 2}`);
    try {
      const { rows } = await this.#db.query(`UPDATE users SET ${sets.join(', ')} WHERE id = $1 RETURNING connection`, [id, ...Object.values(row)]);
      return rows[0]?.connection as string | undefined;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      throw userConflict(err, columns.username, (columns.connection as string | undefined) ?? (await this.getUser(id))!.connection);
    }
  }

  async updateUser(user: UserRecord, now: number): Promise<void> {
    await this.#setUser(user.id, { ...userColumns(user), password_leaked_at: user.password_leaked_at }, now);
  }

  async updateProfile(id: string, profile: UserProfile, now: number): Promise<boolean> {
    return (await this.#setUser(id, profileColumns(profile, (flag) => flag), now)) !== undefined;
  }

  async patchMetadata(id: string, patch: MetadataPatch, now: number): Promise<boolean> {
    // jsonb: drop every patched key, then add back the ones set; one statement, so it is atomic.
    const parts = [patch.app_metadata ?? {}, patch.user_metadata ?? {}].flatMap((p) => [
      Object.keys(p), JSON.stringify(Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null))),
    ]);
    const result = await this.#db.query(`UPDATE users SET app_metadata = (app_metadata - $2::text[]) || $3::jsonb,
      user_metadata = (user_metadata - $4::text[]) || $5::jsonb, updated_at = $6 WHERE id = $1`, [id, ...parts, now]);
    return result.rowCount === 1;
  }

  async deleteUser(id: string): Promise<boolean> {
    return (await this.#db.query('DELETE FROM users WHERE id = $1', [id])).rowCount === 1;
  }

  async replacePasswordHash(id: string, expected: string, replacement: string, now: number): Promise<boolean> {
    const result = await this.#db.query('UPDATE users SET password_hash = $1, password_leaked_at = NULL, updated_at = $2 WHERE id = $3 AND password_hash = $4',
      [replacement, now, id, expected]);
    return result.rowCount === 1;
  }

  async markPasswordLeaked(id: string, passwordHash: string, now: number): Promise<boolean> {
    const result = await this.#db.query('UPDATE users SET password_leaked_at = $1 WHERE id = $2 AND password_hash = $3 AND password_leaked_at IS NULL',
      [now, id, passwordHash]);
    return result.rowCount === 1;
  }

  // UserImportStore

  async importUsers(users: ImportedNewUser[], now: number, options: { upsert: boolean }): Promise<ImportedUser[]> {
    if (users.length === 0) return [];
    const rows = users.map((user) => ({ ...userColumns(user), id: user.id ?? newUserId(), created_at: now, updated_at: now }));
    return this.#db.transaction(async (query) => {
      const inserted = await insertUsers(query, rows);
      const results: ImportedUser[] = [];
      for (const [i, user] of users.entries()) {
        if (inserted.has(rows[i]!.id)) results.push({ outcome: 'created', id: rows[i]!.id });
        else results.push(options.upsert ? await updateProfile(query, user, now) : { outcome: 'conflict' });
      }
      return results;
    });
  }

  async listUsers(filter: UserFilter & { limit: number; offset: number }): Promise<UserRecord[]> {
    const { where, values, order } = userSearch(filter, $, POSTGRES_SEARCH);
    const { rows } = await this.#db.query(`SELECT * FROM users ${where} ${order} LIMIT ${$(values.length + 1)} OFFSET ${$(values.length + 2)}`,
      [...values, filter.limit, filter.offset]);
    return rows.map(toUser);
  }

  async countUsers(filter: UserFilter): Promise<number> {
    const { where, values } = userSearch(filter, $, POSTGRES_SEARCH);
    const { rows } = await this.#db.query(`SELECT count(*)::int AS n FROM users ${where}`, values);
    return rows[0]!.n as number;
  }
}

export class PostgresPasswordHistory implements PasswordHistoryStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async listPasswordHistory(userId: string, limit: number): Promise<string[]> {
    const { rows } = await this.#db.query('SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2', [userId, limit]);
    return rows.map((row) => row.password_hash as string);
  }

  async addPasswordHistory(userId: string, passwordHash: string, now: number, keep: number): Promise<void> {
    await this.#db.transaction(async (query) => {
      await query('INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)', [userId, passwordHash, now]);
      await query(`DELETE FROM password_history WHERE user_id = $1 AND id NOT IN
        (SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)`, [userId, keep]);
    });
  }
}
