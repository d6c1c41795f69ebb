/** The embedded store: node:sqlite in WAL mode. Synchronous underneath, async at the interface. */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import {
  ConflictError,
  type ApiRecord, type ClientRecord, type ConnectionRecord, type NewUser, type SigningKeyRecord, type Store, type UserRecord,
} from '../interfaces.ts';
import { migrations } from './migrations.ts';

type Row = Record<string, SQLInputValue>;

export function openSqlite(url: string): SqliteStore {
  const path = url.replace(/^sqlite:/, '');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore(new DatabaseSync(path));
}

/** A new `sub`: 128 random bits, opaque and independent of connection and username. */
function newUserId(): string {
  return randomBytes(16).toString('hex');
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

function userColumns(user: NewUser): Row {
  return {
    connection: user.connection,
    username: user.username,
    username_lower: user.username.toLowerCase(),
    email: user.email,
    email_lower: user.email?.toLowerCase() ?? null,
    email_verified: user.email_verified ? 1 : 0,
    password_hash: user.password_hash,
    name: user.name,
    given_name: user.given_name,
    family_name: user.family_name,
    nickname: user.nickname,
    picture: user.picture,
    blocked: user.blocked ? 1 : 0,
    app_metadata: JSON.stringify(user.app_metadata),
    user_metadata: JSON.stringify(user.user_metadata),
  };
}

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    this.#migrate();
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

  #migrate(): void {
    this.#db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    this.#transaction(() => {
      const applied = new Map(
        this.#db.prepare('SELECT version, checksum FROM schema_migrations').all().map((r) => [r.version as number, r.checksum as string]),
      );
      for (const m of migrations) {
        const checksum = createHash('sha256').update(m.sql).digest('hex');
        const seen = applied.get(m.version);
        if (seen !== undefined) {
          if (seen !== checksum) throw new Error(`migration ${m.version} (${m.name}) changed after it was applied`);
          continue;
        }
        this.#db.exec(m.sql);
        this.#db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?, ?)').run(m.version, m.name, checksum, Math.floor(Date.now() / 1000));
      }
    });
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

  async createUser(user: NewUser, now: number): Promise<UserRecord> {
    const row = { ...userColumns(user), id: newUserId(), created_at: now, updated_at: now };
    try {
      this.#sql(`INSERT INTO users (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map((k) => `:${k}`).join(', ')})`).run(row);
    } catch (err) {
      if ((err as { errcode?: number }).errcode === 2067) throw new ConflictError(`user "${user.username}" or its email in connection "${user.connection}"`);
      throw err;
    }
    return toUser(row);
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
  }

  #get<T>(table: string, key: string, value: string): T | undefined {
    const row = this.#sql(`SELECT data FROM ${table} WHERE ${key} = ?`).get(value);
    return row ? (JSON.parse(row.data as string) as T) : undefined;
  }

  #list<T>(table: string, key: string): T[] {
    return this.#sql(`SELECT data FROM ${table} ORDER BY ${key}`).all().map((row) => JSON.parse(row.data as string) as T);
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

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.#sql('SELECT * FROM signing_keys ORDER BY created_at, kid').all().map((row) => ({
      kid: row.kid as string,
      alg: row.alg as SigningKeyRecord['alg'],
      private_jwk: JSON.parse(row.private_jwk as string),
      public_jwk: JSON.parse(row.public_jwk as string),
      created_at: row.created_at as number,
    }));
  }

  async addSigningKey(key: SigningKeyRecord): Promise<void> {
    this.#sql('INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(key.kid, key.alg, JSON.stringify(key.private_jwk), JSON.stringify(key.public_jwk), key.created_at);
  }

  async close(): Promise<void> {
    this.#statements.clear();
    this.#db.close();
  }
}
