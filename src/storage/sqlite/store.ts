/** The embedded store: node:sqlite in WAL mode. Synchronous underneath, async at the interface. */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ConflictError,
  type ApiRecord, type AttemptStore, type ClientRecord, type ConnectionRecord, type EventStore, type ImportedUser, type KeyState, type MfaStore, type NewSigningKey, type NewUser, type RefreshTokenRecord, type SigningKeyRecord, type Store, type UserRecord,
} from '../interfaces.ts';
import { migrations } from './migrations.ts';
import { systemClock } from '../../clock.ts';
import { pendingMigrations, type Migration, type SchemaMigrations } from '../migrations.ts';
import { deepFreeze } from '../configured.ts';
import { PROFILE_COLUMNS, newUserId, userColumns as columnsOf } from '../users.ts';
import { SqliteAttempts } from './attempts.ts';
import { SqliteEvents } from './events.ts';
import { SqlMfaStore } from '../mfa-sql.ts';

type Row = Record<string, SQLInputValue>;

/** `migrate: false` opens without applying pending migrations (see pendingMigrations, migrate). */
export function openSqlite(url: string, options: { migrate?: boolean } = {}): SqliteStore {
  const path = url.replace(/^sqlite:/, '');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore(new DatabaseSync(path), options);
}

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
  };
}

function toRefreshToken(row: Row): RefreshTokenRecord {
  return {
    ...(row as unknown as RefreshTokenRecord),
    scope: JSON.parse(row.scope as string),
    amr: JSON.parse(row.amr as string),
    cnf: row.cnf === null ? null : JSON.parse(row.cnf as string),
  };
}

function userColumns(user: NewUser): Row {
  return columnsOf(user, (flag) => (flag ? 1 : 0));
}

export class SqliteStore implements Store, SchemaMigrations {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  /**
   * Configured records (clients, connections, APIs) change only through #sync, so they are read on the
   * token endpoint's hot path from memory: table -> key -> parsed record, rebuilt after every sync.
   */
  readonly #configured = new Map<string, Map<string, unknown>>();

  readonly #attempts: SqliteAttempts;
  readonly attempts: AttemptStore;
  readonly events: EventStore;
  readonly mfa: MfaStore;

  constructor(db: DatabaseSync, options: { migrate?: boolean } = {}) {
    this.#db = db;
    // busy_timeout first: several processes (nodes, CLI commands) may open one file at once, and switching to WAL needs a lock.
    db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    if (options.migrate ?? true) this.#migrate();
    const sql = (text: string) => this.#sql(text);
    this.#attempts = new SqliteAttempts(sql);
    this.attempts = this.#attempts;
    this.events = new SqliteEvents(sql);
    // The shared MFA statements are written with $n parameters; SQLite numbers them ?n.
    this.mfa = new SqlMfaStore(async (text, params) => sql(text.replace(/\$(\d+)/g, '?$1')).all(...(params as SQLInputValue[])).map((row) => ({ ...row })));
  }

  #sql(sql: string) {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  #appliedMigrations(): Map<number, string> {
    const exists = this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!exists) return new Map();
    return new Map(this.#db.prepare('SELECT version, checksum FROM schema_migrations').all().map((r) => [r.version as number, r.checksum as string]));
  }

  #migrate(): Migration[] {
    this.#db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    return this.#transaction(() => {
      const pending = pendingMigrations(migrations, this.#appliedMigrations());
      for (const m of pending) {
        this.#db.exec(m.sql);
        this.#db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?, ?)').run(m.version, m.name, m.checksum, systemClock());
      }
      return pending;
    });
  }

  // SchemaMigrations

  async pendingMigrations(): Promise<Migration[]> {
    return pendingMigrations(migrations, this.#appliedMigrations());
  }

  async migrate(): Promise<Migration[]> {
    return this.#migrate();
  }

  // UserStore

  async findUserByLogin(connection: string, login: string): Promise<UserRecord | undefined> {
    const lower = login.toLowerCase();
    const row = this.#sql(`SELECT * FROM users WHERE connection = ? AND (username_lower = ? OR email_lower = ?)
      ORDER BY username_lower = ? DESC LIMIT 1`).get(connection, lower, lower, lower);
    return row ? toUser(row) : undefined;
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = this.#sql('SELECT * FROM users WHERE id = ?').get(id);
    return row ? toUser(row) : undefined;
  }

  /** The new user's row, or undefined when its username or email is taken in the connection. */
  #insertUser(user: NewUser, now: number): Row | undefined {
    const row = { ...userColumns(user), id: newUserId(), created_at: now, updated_at: now };
    const inserted = this.#sql(`INSERT INTO users (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map((k) => `:${k}`).join(', ')})
      ON CONFLICT DO NOTHING`).run(row);
    return inserted.changes === 1 ? row : undefined;
  }

  async createUser(user: NewUser, now: number): Promise<UserRecord> {
    const row = this.#insertUser(user, now);
    if (!row) throw new ConflictError(`user "${user.username}" or its email in connection "${user.connection}"`);
    return toUser(row);
  }

  // UserImportStore

  async importUsers(users: NewUser[], now: number, options: { upsert: boolean }): Promise<ImportedUser[]> {
    return this.#transaction(() => users.map((user): ImportedUser => {
      const row = this.#insertUser(user, now);
      if (row) return { outcome: 'created', id: row.id as string };
      if (!options.upsert) return { outcome: 'conflict' };
      const { username_lower, email_lower, ...columns } = userColumns(user);
      const holders = this.#sql('SELECT id, password_hash FROM users WHERE connection = ? AND (username_lower = ? OR email_lower = ?)')
        .all(user.connection, username_lower as string, email_lower as string | null);
      if (holders.length !== 1) return { outcome: 'conflict' };
      const id = holders[0]!.id as string;
      this.#sql(`UPDATE users SET ${PROFILE_COLUMNS.map((c) => `${c} = :${c}`).join(', ')}, updated_at = :updated_at WHERE id = :id`)
        .run({ ...Object.fromEntries(PROFILE_COLUMNS.map((c) => [c, columns[c]!])), updated_at: now, id });
      return { outcome: 'updated', id, password_hash: holders[0]!.password_hash as string };
    }));
  }

  // PasswordHistoryStore

  async listPasswordHistory(userId: string, limit: number): Promise<string[]> {
    return this.#sql('SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?').all(userId, limit)
      .map((row) => row.password_hash as string);
  }

  async addPasswordHistory(userId: string, passwordHash: string, now: number, keep: number): Promise<void> {
    this.#transaction(() => {
      this.#sql('INSERT INTO password_history (user_id, password_hash, created_at) VALUES (?, ?, ?)').run(userId, passwordHash, now);
      this.#sql(`DELETE FROM password_history WHERE user_id = ? AND id NOT IN
        (SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?)`).run(userId, userId, keep);
    });
  }

  async updateUser(user: UserRecord, now: number): Promise<void> {
    const row = { ...userColumns(user), id: user.id, updated_at: now };
    const sets = Object.keys(row).filter((k) => k !== 'id').map((k) => `${k} = :${k}`);
    try {
      this.#sql(`UPDATE users SET ${sets.join(', ')} WHERE id = :id`).run(row);
    } catch (err) {
      if ((err as { errcode?: number }).errcode === 2067) throw new ConflictError(`user "${user.username}" or its email in connection "${user.connection}"`);
      throw err;
    }
  }

  async replacePasswordHash(id: string, expected: string, replacement: string, now: number): Promise<boolean> {
    const result = this.#sql('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?')
      .run(replacement, now, id, expected);
    return result.changes === 1;
  }

  async listUsers(filter: { connection?: string; limit: number; offset: number }): Promise<UserRecord[]> {
    const rows = filter.connection === undefined
      ? this.#sql('SELECT * FROM users ORDER BY connection, username_lower LIMIT ? OFFSET ?').all(filter.limit, filter.offset)
      : this.#sql('SELECT * FROM users WHERE connection = ? ORDER BY username_lower LIMIT ? OFFSET ?').all(filter.connection, filter.limit, filter.offset);
    return rows.map(toUser);
  }

  // Configured records: one JSON document per row, keyed by its identifier.

  #sync(table: string, key: string, records: { [k: string]: unknown }[]): void {
    this.#transaction(() => {
      const upsert = this.#sql(`INSERT INTO ${table} (${key}, data, managed_by) VALUES (?, ?, 'config')
        ON CONFLICT (${key}) DO UPDATE SET data = excluded.data, managed_by = 'config'`);
      for (const r of records) upsert.run(r[key] as string, JSON.stringify(r));
      const keep = new Set(records.map((r) => r[key] as string));
      for (const row of this.#sql(`SELECT ${key} AS k FROM ${table} WHERE managed_by = 'config'`).all()) {
        if (!keep.has(row.k as string)) this.#sql(`DELETE FROM ${table} WHERE ${key} = ?`).run(row.k as string);
      }
    });
    this.#configured.delete(table);
  }

  #records(table: string, key: string): Map<string, unknown> {
    let records = this.#configured.get(table);
    if (!records) {
      const rows = this.#sql(`SELECT ${key} AS k, data FROM ${table} ORDER BY ${key}`).all();
      records = new Map(rows.map((row) => [row.k as string, deepFreeze(JSON.parse(row.data as string))]));
      this.#configured.set(table, records);
    }
    return records;
  }

  // Cached records are frozen, so no caller can change what the next request reads.
  #get<T>(table: string, key: string, value: string): T | undefined {
    return this.#records(table, key).get(value) as T | undefined;
  }

  #list<T>(table: string, key: string): T[] {
    return [...this.#records(table, key).values()] as T[];
  }

  async syncClients(clients: ClientRecord[]): Promise<void> { this.#sync('clients', 'client_id', clients as never); }
  async syncConnections(connections: ConnectionRecord[]): Promise<void> { this.#sync('connections', 'name', connections as never); }
  async syncApis(apis: ApiRecord[]): Promise<void> { this.#sync('apis', 'identifier', apis as never); }
  async getClient(clientId: string): Promise<ClientRecord | undefined> { return this.#get('clients', 'client_id', clientId); }
  async getConnection(name: string): Promise<ConnectionRecord | undefined> { return this.#get('connections', 'name', name); }
  async listConnections(): Promise<ConnectionRecord[]> { return this.#list('connections', 'name'); }
  async getApi(identifier: string): Promise<ApiRecord | undefined> { return this.#get('apis', 'identifier', identifier); }
  async listApis(): Promise<ApiRecord[]> { return this.#list('apis', 'identifier'); }

  // KeyStore

  #signingKeys(where: string, ...values: SQLInputValue[]): SigningKeyRecord[] {
    return this.#sql(`SELECT * FROM signing_keys ${where} ORDER BY created_at, kid`).all(...values).map((row) => ({
      kid: row.kid as string,
      alg: row.alg as SigningKeyRecord['alg'],
      private_jwk: JSON.parse(row.private_jwk as string),
      public_jwk: JSON.parse(row.public_jwk as string),
      created_at: row.created_at as number,
      state: row.state as KeyState,
      activated_at: row.activated_at as number | null,
      retired_at: row.retired_at as number | null,
      revoked_at: row.revoked_at as number | null,
    }));
  }

  #insertSigningKey(key: NewSigningKey, state: 'current' | 'next'): boolean {
    // DO NOTHING: the kid exists, or the algorithm has a key in that state (signing_keys_current, signing_keys_next).
    return this.#sql(`INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, state, activated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(key.kid, key.alg, JSON.stringify(key.private_jwk), JSON.stringify(key.public_jwk), key.created_at, state,
        state === 'current' ? key.created_at : null).changes === 1;
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.#signingKeys('');
  }

  async addSigningKey(key: NewSigningKey, state: 'current' | 'next'): Promise<boolean> {
    return this.#insertSigningKey(key, state);
  }

  async rotateSigningKey(next: NewSigningKey, now: number): Promise<SigningKeyRecord | undefined> {
    return this.#transaction(() => {
      const [promoted] = this.#signingKeys(`WHERE alg = ? AND state = 'next'`, next.alg);
      if (!promoted) return undefined;
      this.#sql(`UPDATE signing_keys SET state = 'previous', retired_at = ? WHERE alg = ? AND state = 'current'`).run(now, next.alg);
      this.#sql(`UPDATE signing_keys SET state = 'current', activated_at = ? WHERE kid = ?`).run(now, promoted.kid);
      if (!this.#insertSigningKey(next, 'next')) throw new ConflictError(`signing key ${next.kid}`);
      return { ...promoted, state: 'current' as const, activated_at: now };
    });
  }

  async revokeSigningKey(kid: string, now: number): Promise<SigningKeyRecord | undefined> {
    return this.#transaction(() => {
      const [key] = this.#signingKeys('WHERE kid = ?', kid);
      if (key?.state === 'next' || key?.state === 'previous') {
        this.#sql(`UPDATE signing_keys SET state = 'revoked', revoked_at = ?, private_jwk = '{}' WHERE kid = ?`).run(now, kid);
      }
      return key;
    });
  }

  // RefreshTokenStore: every consumption is one conditional write inside an IMMEDIATE transaction.

  #insertRefreshToken(t: RefreshTokenRecord): void {
    this.#sql(`INSERT INTO refresh_tokens (id, family_id, generation, client_id, user_id, connection, scope, audience, auth_time, amr,
      created_at, family_expires_at, idle_expires_at, consumed_at, revoked_at, cnf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(t.id, t.family_id, t.generation, t.client_id, t.user_id, t.connection, JSON.stringify(t.scope), t.audience, t.auth_time,
        JSON.stringify(t.amr), t.created_at, t.family_expires_at, t.idle_expires_at, t.consumed_at, t.revoked_at, t.cnf === null ? null : JSON.stringify(t.cnf));
  }

  async createRefreshToken(token: RefreshTokenRecord): Promise<void> {
    this.#insertRefreshToken(token);
  }

  async findRefreshToken(id: string): Promise<RefreshTokenRecord | undefined> {
    const row = this.#sql('SELECT * FROM refresh_tokens WHERE id = ?').get(id);
    return row ? toRefreshToken(row) : undefined;
  }

  async rotateRefreshToken(id: string, now: number, successor: RefreshTokenRecord): Promise<boolean> {
    return this.#transaction(() => {
      const consumed = this.#sql('UPDATE refresh_tokens SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL AND revoked_at IS NULL').run(now, id);
      if (consumed.changes !== 1) return false;
      this.#insertRefreshToken(successor);
      return true;
    });
  }

  async reissueRefreshToken(id: string, consumedSince: number, successor: RefreshTokenRecord): Promise<boolean> {
    return this.#transaction(() => {
      const eligible = this.#sql(`SELECT 1 FROM refresh_tokens t WHERE t.id = ? AND t.revoked_at IS NULL AND t.consumed_at >= ?
        AND NOT EXISTS (SELECT 1 FROM refresh_tokens later WHERE later.family_id = t.family_id AND later.generation > t.generation
          AND (later.consumed_at IS NOT NULL OR later.revoked_at IS NOT NULL))`).get(id, consumedSince);
      if (!eligible) return false;
      this.#insertRefreshToken(successor);
      return true;
    });
  }

  async touchRefreshToken(id: string, idleExpiresAt: number): Promise<void> {
    this.#sql('UPDATE refresh_tokens SET idle_expires_at = ? WHERE id = ? AND idle_expires_at < ?').run(idleExpiresAt, id, idleExpiresAt);
  }

  async revokeRefreshFamily(familyId: string, now: number): Promise<void> {
    this.#sql('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(now, familyId);
  }

  async revokeUserRefreshTokens(userId: string, now: number): Promise<void> {
    this.#sql('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, userId);
  }

  // DenylistStore

  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    this.#sql('INSERT INTO denied_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING').run(jti, expiresAt);
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    return this.#sql('SELECT 1 FROM denied_access_tokens WHERE jti = ?').get(jti) !== undefined;
  }

  async useOnce(key: string, expiresAt: number, now: number): Promise<boolean> {
    // A remembered use that has expired is replaced, so the key is usable again only once it could not be a replay.
    return this.#sql(`INSERT INTO used_once (key, expires_at) VALUES (?, ?)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= ?`).run(key, expiresAt, now).changes === 1;
  }

  // Housekeeping

  async purge(now: number): Promise<number> {
    return await this.mfa.purge(now) + this.#transaction(() => {
      // A consumed token is kept until its family expires: reuse detection needs it (RFC 6819 §5.2.2.3).
      const refresh = this.#sql(`DELETE FROM refresh_tokens WHERE family_expires_at <= ? OR revoked_at IS NOT NULL
        OR (consumed_at IS NULL AND idle_expires_at <= ?)`).run(now, now);
      const denied = this.#sql('DELETE FROM denied_access_tokens WHERE expires_at <= ?').run(now);
      const used = this.#sql('DELETE FROM used_once WHERE expires_at <= ?').run(now);
      return Number(refresh.changes) + Number(denied.changes) + Number(used.changes) + this.#attempts.purge(now);
    });
  }

  async ping(): Promise<void> {
    this.#sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.#statements.clear();
    this.#db.close();
  }
}
