/** Users and their password history on SQLite. */
import { patchedMetadata, type ImportedNewUser, type ImportedUser, type MetadataPatch, type NewUser, type UserFilter, type UserProfile, type UserRecord } from '../../model/user.ts';
import { ConflictError } from '../errors.ts';
import type { PasswordHistoryStore } from '../slices/password-history.ts';
import type { UserStore } from '../slices/users.ts';
import { SQLITE_SEARCH } from '../user-search-sql.ts';
import { PROFILE_COLUMNS, newUserId, profileColumns, userColumns as columnsOf, userSearch } from '../users.ts';
import type { SQLInputValue } from 'node:sqlite';
import type { Row, SqliteDb } from './db.ts';

function toUser(row: Row): UserRecord {
  return {
    id: row.id as string,
    connection: row.connection as string,
    username: row.username as string,
    email: row.email as string | null,
    email_verified: row.email_verified === 1,
    password_hash: row.password_hash as string,
    name: row.name as string | null,
    given_name: row.given_name as string | null,
    family_name: row.family_name as string | null,
    nickname: row.nickname as string | null,
    picture: row.picture as string | null,
    blocked: row.blocked === 1,
    app_metadata: JSON.parse(row.app_metadata as string),
    user_metadata: JSON.parse(row.user_metadata as string),
    created_at: row.created_at as number,
    updated_at: row.updated_at as number,
    password_leaked_at: (row.password_leaked_at as number | null) ?? null,
  };
}


const sqliteFlag = (flag: boolean) => (flag ? 1 : 0);

function userColumns(user: NewUser): Row {
  return columnsOf(user, sqliteFlag);
}

function userConflict(err: unknown, username: unknown, connection: string): unknown {
  if ((err as { errcode?: number }).errcode === 2067) return new ConflictError(`user "${String(username)}" or its email in connection "${connection}"`);
  return err;
}

export class SqliteUsers implements UserStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async findUserByLogin(connection: string, login: string): Promise<UserRecord | undefined> {
    const lower = login.toLowerCase();
    const row = this.#db.sql(`SELECT * FROM users WHERE connection = ? AND (username_lower = ? OR email_lower = ?)
      ORDER BY username_lower = ? DESC LIMIT 1`).get(connection, lower, lower, lower);
    return row ? toUser(row) : undefined;
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = this.#db.sql('SELECT * FROM users WHERE id = ?').get(id);
    return row ? toUser(row) : undefined;
  }

  /** The new user's row, or undefined when its username or email is taken in the connection. */
  #insertUser(user: ImportedNewUser, now: number): Row | undefined {
    const row = { ...userColumns(user), id: user.id ?? newUserId(), created_at: now, updated_at: now };
    const inserted = this.#db.sql(`INSERT INTO users (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map((k) => `:${k}`).join(', ')})
      ON CONFLICT DO NOTHING`).run(row);
    return inserted.changes === 1 ? row : undefined;
  }

  async createUser(user: NewUser, now: number): Promise<UserRecord> {
    const row = this.#insertUser(user, now);
    if (!row) throw new ConflictError(`user "${user.username}" or its email in connection "${user.connection}"`);
    return toUser(row);
  }

  // UserImportStore

  async importUsers(users: ImportedNewUser[], now: number, options: { upsert: boolean }): Promise<ImportedUser[]> {
    return this.#db.transaction(() => users.map((user): ImportedUser => {
      const row = this.#insertUser(user, now);
      if (row) return { outcome: 'created', id: row.id as string };
      if (!options.upsert) return { outcome: 'conflict' };
      const { username_lower, email_lower, ...columns } = userColumns(user);
      const holders = this.#db.sql('SELECT id, password_hash FROM users WHERE connection = ? AND (username_lower = ? OR email_lower = ?)')
        .all(user.connection, username_lower as string, email_lower as string | null);
      if (holders.length !== 1) return { outcome: 'conflict' };
      const id = holders[0]!.id as string;
      this.#db.sql(`UPDATE users SET ${PROFILE_COLUMNS.map((c) => `${c} = :${c}`).join(', ')}, updated_at = :updated_at WHERE id = :id`)
        .run({ ...Object.fromEntries(PROFILE_COLUMNS.map((c) => [c, columns[c]!])), updated_at: now, id });
      return { outcome: 'updated', id, password_hash: holders[0]!.password_hash as string };
    }));
  }

  #setUser(id: string, columns: Row, now: number, connection: string): boolean {
    const row = { ...columns, id, updated_at: now };
    const sets = Object.keys(row).filter((k) => k !== 'id').map((k) => `${k} = :${k}`);
    try {
      return this.#db.sql(`UPDATE users SET ${sets.join(', ')} WHERE id = :id`).run(row).changes === 1;
    } catch (err) {
      throw userConflict(err, columns.username, connection);
    }
  }

  async updateUser(user: UserRecord, now: number): Promise<void> {
    this.#setUser(user.id, { ...userColumns(user), password_leaked_at: user.password_leaked_at }, now, user.connection);
  }

  async updateProfile(id: string, profile: UserProfile, now: number): Promise<boolean> {
    const connection = this.#db.sql('SELECT connection FROM users WHERE id = ?').get(id)?.connection as string | undefined;
    return connection !== undefined && this.#setUser(id, profileColumns(profile, sqliteFlag), now, connection);
  }

  async patchMetadata(id: string, patch: MetadataPatch, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const row = this.#db.sql('SELECT app_metadata, user_metadata FROM users WHERE id = ?').get(id);
      if (!row) return false;
      this.#db.sql('UPDATE users SET app_metadata = ?, user_metadata = ?, updated_at = ? WHERE id = ?').run(
        JSON.stringify(patchedMetadata(JSON.parse(row.app_metadata as string), patch.app_metadata)),
        JSON.stringify(patchedMetadata(JSON.parse(row.user_metadata as string), patch.user_metadata)), now, id);
      return true;
    });
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.#db.sql('DELETE FROM users WHERE id = ?').run(id).changes === 1;
  }

  async replacePasswordHash(id: string, expected: string, replacement: string, now: number): Promise<boolean> {
    const result = this.#db.sql('UPDATE users SET password_hash = ?, password_leaked_at = NULL, updated_at = ? WHERE id = ? AND password_hash = ?')
      .run(replacement, now, id, expected);
    return result.changes === 1;
  }

  async markPasswordLeaked(id: string, passwordHash: string, now: number): Promise<boolean> {
    return this.#db.sql('UPDATE users SET password_leaked_at = ? WHERE id = ? AND password_hash = ? AND password_leaked_at IS NULL')
      .run(now, id, passwordHash).changes === 1;
  }

  async listUsers(filter: UserFilter & { limit: number; offset: number }): Promise<UserRecord[]> {
    const { where, values, order } = userSearch(filter, (n) => `?${n}`, SQLITE_SEARCH);
    return this.#db.sql(`SELECT * FROM users ${where} ${order} LIMIT ?${values.length + 1} OFFSET ?${values.length + 2}`).all(...(values as SQLInputValue[]), filter.limit, filter.offset).map(toUser);
  }

  async countUsers(filter: UserFilter): Promise<number> {
    const { where, values } = userSearch(filter, (n) => `?${n}`, SQLITE_SEARCH);
    return this.#db.sql(`SELECT count(*) AS n FROM users ${where}`).get(...(values as SQLInputValue[]))!.n as number;
  }
}

export class SqlitePasswordHistory implements PasswordHistoryStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async listPasswordHistory(userId: string, limit: number): Promise<string[]> {
    return this.#db.sql('SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?').all(userId, limit)
      .map((row) => row.password_hash as string);
  }

  async addPasswordHistory(userId: string, passwordHash: string, now: number, keep: number): Promise<void> {
    this.#db.transaction(() => {
      this.#db.sql('INSERT INTO password_history (user_id, password_hash, created_at) VALUES (?, ?, ?)').run(userId, passwordHash, now);
      this.#db.sql(`DELETE FROM password_history WHERE user_id = ? AND id NOT IN
        (SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?)`).run(userId, userId, keep);
    });
  }
}
