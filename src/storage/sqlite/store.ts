/** The embedded store: node:sqlite in WAL mode. Synchronous underneath, async at the interface. */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CONFIGURED_KEYS, type ApiRecord, type ConfiguredKind, type ConfiguredRecords, type ConnectionRecord, type Owned, type Owner } from '../../model/directory.ts';
import { ConflictError } from '../errors.ts';
import { patchedMetadata, type MetadataPatch, type ImportedUser, type NewUser, type UserFilter, type UserProfile, type UserRecord } from '../../model/user.ts';
import type { AttemptStore } from '../slices/attempts.ts';
import type { ClientRecord } from '../../model/client.ts';
import type { DeniableToken, DeniedEntry, RefreshFamilyRecord, RefreshFamilyState } from '../../model/tokens.ts';
import type { EventStore } from '../slices/events.ts';
import type { JobStore } from '../slices/jobs.ts';
import type { SettingStore } from '../slices/settings.ts';
import type { LegacyTokenStore } from '../slices/legacy-tokens.ts';
import type { KeyState, NewSigningKey, SigningKeyRecord } from '../../model/keys.ts';
import type { MfaStore } from '../slices/mfa.ts';
import type { Store } from '../store.ts';
import { migrations } from './migrations.ts';
import { systemClock } from '../../clock.ts';
import { pendingMigrations, type Migration, type SchemaMigrations } from '../migrations.ts';
import { ConfiguredCache } from '../configured-cache.ts';
import { PROFILE_COLUMNS, newUserId, profileColumns, userColumns as columnsOf, userSearch } from '../users.ts';
import { SqliteAttempts } from './attempts.ts';
import { SqliteEvents } from './events.ts';
import { SqlJobStore } from '../jobs-sql.ts';
import { SqlSettingStore } from '../settings-sql.ts';
import { SqlMfaStore } from '../mfa-sql.ts';
import type { RunSql } from '../portable-sql.ts';
import { SqlLegacyTokenStore } from '../legacy-tokens-sql.ts';
import { BACKSTOP_PAGES, BackgroundCheckpoints } from './checkpoints.ts';
import { denylistKeys, sessionKey } from '../denylist-keys.ts';
import { ENDED_FAMILIES } from '../refresh-sql.ts';

type Row = Record<string, SQLInputValue>;

export interface SqliteOptions {
  /** Apply pending migrations (default true); false opens without (see pendingMigrations, migrate). */
  migrate?: boolean;
  /** Milliseconds configured records are served from memory before being read again (default 5000). */
  cacheTtlMs?: number;
  /** Checkpoint a file's WAL from a worker thread rather than in the COMMITs of this connection (checkpoints.ts): for a node. */
  backgroundCheckpoints?: boolean;
}

export function openSqlite(url: string, options: SqliteOptions = {}): SqliteStore {
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
    password_leaked_at: (row.password_leaked_at as number | null) ?? null,
  };
}

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

const sqliteFlag = (flag: boolean) => (flag ? 1 : 0);

/** Families a purge looks at between two turns of the event loop: about a millisecond's work. */
const PURGE_SLICE = 1000;

function userColumns(user: NewUser): Row {
  return columnsOf(user, sqliteFlag);
}

function userConflict(err: unknown, username: unknown, connection: string): unknown {
  if ((err as { errcode?: number }).errcode === 2067) return new ConflictError(`user "${String(username)}" or its email in connection "${connection}"`);
  return err;
}

export class SqliteStore implements Store, SchemaMigrations {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  /**
   * Configured records (clients, connections, APIs) are read on the token endpoint's hot path from memory. This
   * store's own writes invalidate them at once; other processes' (another node, the CLI) are seen within the TTL.
   */
  readonly #configured: ConfiguredCache;

  readonly #checkpoints: BackgroundCheckpoints | undefined;
  readonly #attempts: SqliteAttempts;
  /** Set by close(), so a purge in progress stops between slices. */
  #closing = false;
  readonly attempts: AttemptStore;
  readonly events: EventStore;
  readonly mfa: MfaStore;
  readonly jobs: JobStore;
  readonly legacyTokens: LegacyTokenStore;
  readonly settings: SettingStore;

  constructor(db: DatabaseSync, options: SqliteOptions = {}) {
    this.#db = db;
    this.#configured = new ConfiguredCache(options.cacheTtlMs ?? 5000);
    // busy_timeout first: several processes (nodes, CLI commands) may open one file at once, and switching to WAL needs a lock.
    db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    if (options.migrate ?? true) this.#migrate();
    const file = db.location();
    if (options.backgroundCheckpoints && file !== null) {
      db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      this.#checkpoints = new BackgroundCheckpoints(file);
    }
    const sql = (text: string) => this.#sql(text);
    // The shared statements (brute-force counters, MFA, jobs, legacy tokens) are written with $n parameters; SQLite numbers them ?n.
    const run: RunSql = async (text, params) => sql(text.replace(/\$(\d+)/g, '?$1')).all(...(params as SQLInputValue[])).map((row) => ({ ...row }));
    this.#attempts = new SqliteAttempts(sql, run);
    this.attempts = this.#attempts;
    this.events = new SqliteEvents(sql);
    this.mfa = new SqlMfaStore(run);
    this.jobs = new SqlJobStore(run);
    this.settings = new SqlSettingStore(run);
    this.legacyTokens = new SqlLegacyTokenStore(run);
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
    this.#sql('BEGIN IMMEDIATE').run();
    try {
      const result = work();
      this.#sql('COMMIT').run();
      return result;
    } catch (err) {
      this.#sql('ROLLBACK').run();
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

  #setUser(id: string, columns: Row, now: number, connection: string): boolean {
    const row = { ...columns, id, updated_at: now };
    const sets = Object.keys(row).filter((k) => k !== 'id').map((k) => `${k} = :${k}`);
    try {
      return this.#sql(`UPDATE users SET ${sets.join(', ')} WHERE id = :id`).run(row).changes === 1;
    } catch (err) {
      throw userConflict(err, columns.username, connection);
    }
  }

  async updateUser(user: UserRecord, now: number): Promise<void> {
    this.#setUser(user.id, { ...userColumns(user), password_leaked_at: user.password_leaked_at }, now, user.connection);
  }

  async updateProfile(id: string, profile: UserProfile, now: number): Promise<boolean> {
    const connection = this.#sql('SELECT connection FROM users WHERE id = ?').get(id)?.connection as string | undefined;
    return connection !== undefined && this.#setUser(id, profileColumns(profile, sqliteFlag), now, connection);
  }

  async patchMetadata(id: string, patch: MetadataPatch, now: number): Promise<boolean> {
    return this.#transaction(() => {
      const row = this.#sql('SELECT app_metadata, user_metadata FROM users WHERE id = ?').get(id);
      if (!row) return false;
      this.#sql('UPDATE users SET app_metadata = ?, user_metadata = ?, updated_at = ? WHERE id = ?').run(
        JSON.stringify(patchedMetadata(JSON.parse(row.app_metadata as string), patch.app_metadata)),
        JSON.stringify(patchedMetadata(JSON.parse(row.user_metadata as string), patch.user_metadata)), now, id);
      return true;
    });
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.#sql('DELETE FROM users WHERE id = ?').run(id).changes === 1;
  }

  async replacePasswordHash(id: string, expected: string, replacement: string, now: number): Promise<boolean> {
    const result = this.#sql('UPDATE users SET password_hash = ?, password_leaked_at = NULL, updated_at = ? WHERE id = ? AND password_hash = ?')
      .run(replacement, now, id, expected);
    return result.changes === 1;
  }

  async markPasswordLeaked(id: string, passwordHash: string, now: number): Promise<boolean> {
    return this.#sql('UPDATE users SET password_leaked_at = ? WHERE id = ? AND password_hash = ? AND password_leaked_at IS NULL')
      .run(now, id, passwordHash).changes === 1;
  }

  async listUsers(filter: UserFilter & { limit: number; offset: number }): Promise<UserRecord[]> {
    const { where, values } = userSearch(filter, () => '?');
    return this.#sql(`SELECT * FROM users ${where} ORDER BY connection, username_lower LIMIT ? OFFSET ?`).all(...values, filter.limit, filter.offset).map(toUser);
  }

  async countUsers(filter: UserFilter): Promise<number> {
    const { where, values } = userSearch(filter, () => '?');
    return this.#sql(`SELECT count(*) AS n FROM users ${where}`).get(...values)!.n as number;
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
    this.#configured.invalidate(table);
  }

  // Cached records are frozen, so no caller can change what the next request reads.
  #records(table: string, key: string): Promise<Map<string, unknown>> {
    return this.#configured.records(table, async () =>
      this.#sql(`SELECT ${key} AS k, data FROM ${table} ORDER BY ${key}`).all().map((row) => [row.k as string, JSON.parse(row.data as string)]));
  }

  async #get<T>(table: string, key: string, value: string): Promise<T | undefined> {
    return (await this.#records(table, key)).get(value) as T | undefined;
  }

  async #list<T>(table: string, key: string): Promise<T[]> {
    return [...(await this.#records(table, key)).values()] as T[];
  }

  // ManagedStore: the owner is read and changed in one transaction.

  async listOwned<K extends ConfiguredKind>(kind: K): Promise<Owned<ConfiguredRecords[K]>[]> {
    const key = CONFIGURED_KEYS[kind];
    return this.#sql(`SELECT data, managed_by FROM ${kind} ORDER BY ${key}`).all()
      .map((row) => ({ record: JSON.parse(row.data as string), managed_by: row.managed_by as Owner }));
  }

  async insertRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<void> {
    const key = CONFIGURED_KEYS[kind];
    const value = (record as unknown as Record<string, string>)[key]!;
    const inserted = this.#sql(`INSERT INTO ${kind} (${key}, data, managed_by) VALUES (?, ?, 'api') ON CONFLICT DO NOTHING`).run(value, JSON.stringify(record));
    if (inserted.changes !== 1) throw new ConflictError(`${kind} "${value}"`);
    this.#configured.invalidate(kind);
  }

  #changeOwned(kind: ConfiguredKind, value: string, change: () => void): Owner | undefined {
    const owner = this.#transaction(() => {
      const row = this.#sql(`SELECT managed_by FROM ${kind} WHERE ${CONFIGURED_KEYS[kind]} = ?`).get(value);
      if (row?.managed_by === 'api') change();
      return row?.managed_by as Owner | undefined;
    });
    this.#configured.invalidate(kind);
    return owner;
  }

  async replaceRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<Owner | undefined> {
    const key = CONFIGURED_KEYS[kind];
    const value = (record as unknown as Record<string, string>)[key]!;
    return this.#changeOwned(kind, value, () => this.#sql(`UPDATE ${kind} SET data = ? WHERE ${key} = ?`).run(JSON.stringify(record), value));
  }

  async deleteRecord(kind: ConfiguredKind, value: string): Promise<Owner | undefined> {
    return this.#changeOwned(kind, value, () => this.#sql(`DELETE FROM ${kind} WHERE ${CONFIGURED_KEYS[kind]} = ?`).run(value));
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

  // RefreshTokenStore: one record per family, rotated in place by a compare-and-set on its live hashes.

  async createRefreshFamily(f: RefreshFamilyRecord): Promise<void> {
    this.#sql(`INSERT INTO refresh_families (selector, family_id, generation, token_hashes, previous_hashes, rotated_at, client_id, user_id,
      connection, scope, audience, auth_time, amr, created_at, family_expires_at, idle_expires_at, revoked_at, cnf, device)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(f.selector, f.family_id, f.generation, JSON.stringify(f.token_hashes), JSON.stringify(f.previous_hashes), f.rotated_at, f.client_id,
        f.user_id, f.connection, JSON.stringify(f.scope), f.audience, f.auth_time, JSON.stringify(f.amr), f.created_at, f.family_expires_at,
        f.idle_expires_at, f.revoked_at, f.cnf === null ? null : JSON.stringify(f.cnf), f.device);
  }

  async findRefreshFamily(selector: string): Promise<RefreshFamilyRecord | undefined> {
    const row = this.#sql('SELECT * FROM refresh_families WHERE selector = ?').get(selector);
    return row ? toRefreshFamily(row) : undefined;
  }

  async advanceRefreshFamily(selector: string, expected: readonly string[], next: RefreshFamilyState): Promise<boolean> {
    return this.#sql(`UPDATE refresh_families SET generation = ?, token_hashes = ?, previous_hashes = ?, rotated_at = ?, idle_expires_at = ?
      WHERE selector = ? AND token_hashes = ? AND revoked_at IS NULL`)
      .run(next.generation, JSON.stringify(next.token_hashes), JSON.stringify(next.previous_hashes), next.rotated_at, next.idle_expires_at,
        selector, JSON.stringify(expected)).changes === 1;
  }

  async touchRefreshFamily(selector: string, idleExpiresAt: number): Promise<void> {
    this.#sql('UPDATE refresh_families SET idle_expires_at = ? WHERE selector = ? AND idle_expires_at < ?').run(idleExpiresAt, selector, idleExpiresAt);
  }

  async revokeRefreshFamily(familyId: string, now: number): Promise<void> {
    this.#sql('UPDATE refresh_families SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(now, familyId);
  }

  async revokeUserRefreshTokens(userId: string, now: number): Promise<string[]> {
    const rows = this.#sql('UPDATE refresh_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL RETURNING family_id').all(now, userId);
    return [...new Set(rows.map((row) => row.family_id as string))];
  }

  // DenylistStore: jtis and family sids share the table's key (denylist-keys.ts).

  #deny(key: string, expiresAt: number): void {
    this.#sql('INSERT INTO denied_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING').run(key, expiresAt);
  }

  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    this.#deny(jti, expiresAt);
  }

  async denySession(sid: string, expiresAt: number): Promise<void> {
    this.#deny(sessionKey(sid), expiresAt);
  }

  async isAccessTokenDenied(token: DeniableToken): Promise<boolean> {
    const [jti, family = jti] = denylistKeys(token);
    return this.#sql('SELECT 1 FROM denied_access_tokens WHERE jti IN (?, ?)').get(jti!, family!) !== undefined;
  }

  async listDenied(after: string, limit: number, now: number): Promise<DeniedEntry[]> {
    return this.#sql('SELECT jti AS key, expires_at FROM denied_access_tokens WHERE jti > ? AND expires_at > ? ORDER BY jti LIMIT ?')
      .all(after, now, limit) as unknown as DeniedEntry[];
  }

  async useOnce(key: string, expiresAt: number, now: number): Promise<boolean> {
    // A remembered use that has expired is replaced, so the key is usable again only once it could not be a replay.
    return this.#sql(`INSERT INTO used_once (key, expires_at) VALUES (?, ?)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= ?`).run(key, expiresAt, now).changes === 1;
  }

  // Housekeeping

  async purge(now: number): Promise<number> {
    const others = this.#transaction(() => {
      const denied = this.#sql('DELETE FROM denied_access_tokens WHERE expires_at <= ?').run(now);
      const used = this.#sql('DELETE FROM used_once WHERE expires_at <= ?').run(now);
      return Number(denied.changes) + Number(used.changes) + this.#attempts.purge(now);
    });
    return others + await this.mfa.purge(now) + await this.legacyTokens.purge(now) + await this.#purgeFamilies(now);
  }

  /**
   * Ended families, found by a scan (their idle expiry changes with every rotation, so no index holds it) taken a
   * slice of the primary key at a time, with the event loop free between slices: SQLite runs on it, and one DELETE
   * over millions of live sessions would hold every request up for the whole scan.
   */
  async #purgeFamilies(now: number): Promise<number> {
    let after = '';
    let purged = 0;
    while (!this.#closing) {
      const slice = this.#sql(`SELECT max(selector) AS last FROM (SELECT selector FROM refresh_families WHERE selector > ?
        ORDER BY selector LIMIT ${PURGE_SLICE})`).get(after);
      const last = slice?.last as string | null | undefined;
      if (last === null || last === undefined) break;
      purged += Number(this.#sql(`DELETE FROM refresh_families WHERE selector > ? AND selector <= ? AND (${ENDED_FAMILIES('?', '?')})`)
        .run(after, last, now, now).changes);
      after = last;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return purged;
  }

  async ping(): Promise<void> {
    this.#sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#checkpoints?.stop();
    this.#statements.clear();
    this.#db.close();
  }
}
