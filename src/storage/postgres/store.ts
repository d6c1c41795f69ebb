/**
 * The PostgreSQL store, for several Tollgate nodes on one database. Same semantics as the SQLite store; every
 * single-use consumption is a conditional write inside a transaction that holds the token family's lock.
 */
import { CONFIGURED_KEYS, type ApiRecord, type ConfiguredKind, type ConfiguredRecords, type ConnectionRecord, type Owned, type Owner } from '../../model/directory.ts';
import { ConflictError, type AvailabilityWatcher } from '../errors.ts';
import type { MetadataPatch, ImportedUser, NewUser, UserFilter, UserProfile, UserRecord } from '../../model/user.ts';
import type { AttemptStore } from '../slices/attempts.ts';
import type { ClientRecord } from '../../model/client.ts';
import type { DeniableToken, DeniedEntry, RefreshFamilyRecord, RefreshFamilyState } from '../../model/tokens.ts';
import type { EventStore } from '../slices/events.ts';
import type { JobStore } from '../slices/jobs.ts';
import type { SettingStore } from '../slices/settings.ts';
import type { LegacyTokenStore } from '../slices/legacy-tokens.ts';
import type { MfaStore } from '../slices/mfa.ts';
import type { NewSigningKey, SigningKeyRecord } from '../../model/keys.ts';
import type { Store } from '../store.ts';
import type { Migration, SchemaMigrations } from '../migrations.ts';
import { ConfiguredCache } from '../configured-cache.ts';
import { PROFILE_COLUMNS, newUserId, profileColumns, userSearch } from '../users.ts';
import { DEFAULT_POOL, Db, type PoolOptions, type Query, type Row } from './db.ts';
import { migratePostgres, pendingPostgresMigrations } from './migrate.ts';
import { insertManySql, insertSql, refreshFamilyRow, toRefreshFamily, toUser, userColumns } from './rows.ts';
import { PostgresAttempts } from './attempts.ts';
import { PostgresEvents } from './events.ts';
import { SqlJobStore } from '../jobs-sql.ts';
import { SqlSettingStore } from '../settings-sql.ts';
import { SqlMfaStore } from '../mfa-sql.ts';
import type { RunSql } from '../portable-sql.ts';
import { SqlLegacyTokenStore } from '../legacy-tokens-sql.ts';
import { denylistKeys, sessionKey } from '../denylist-keys.ts';
import { ENDED_FAMILIES } from '../refresh-sql.ts';

export interface PostgresOptions {
  pool?: Partial<PoolOptions>;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Milliseconds a node serves configured records from memory before reading them again (default 5000). */
  cacheTtlMs?: number;
  /** Told whether each call reached the database. */
  watcher?: AvailabilityWatcher;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
  const store = new PostgresStore(new Db(url, { ...DEFAULT_POOL, ...options.pool }, options.watcher), options.cacheTtlMs ?? 5000);
  if (options.migrate ?? true) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

/** pg_advisory_xact_lock(SIGNING_KEY_LOCK, hashtext(alg)) serialises rotations and revocations of one algorithm's keys. */
const SIGNING_KEY_LOCK = 0x6b657973; // "keys"

async function signingKeys(query: Query, where: string, values: unknown[] = []): Promise<SigningKeyRecord[]> {
  const { rows } = await query(`SELECT kid, alg, private_jwk, public_jwk, created_at, state, activated_at, retired_at, revoked_at
    FROM signing_keys ${where} ORDER BY created_at, kid`, values);
  return rows as unknown as SigningKeyRecord[];
}

/** DO NOTHING: the kid exists, or the algorithm has a key in that state (signing_keys_current, signing_keys_next). */
async function insertSigningKey(query: Query, key: NewSigningKey, state: 'current' | 'next'): Promise<boolean> {
  const inserted = await query(`INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, state, activated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
  [key.kid, key.alg, JSON.stringify(key.private_jwk), JSON.stringify(key.public_jwk), key.created_at, state, state === 'current' ? key.created_at : null]);
  return inserted.rowCount === 1;
}

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

export class PostgresStore implements Store, SchemaMigrations {
  readonly #db: Db;
  readonly #configured: ConfiguredCache;
  readonly #attempts: PostgresAttempts;
  readonly attempts: AttemptStore;
  readonly events: EventStore;
  readonly mfa: MfaStore;
  readonly jobs: JobStore;
  readonly legacyTokens: LegacyTokenStore;
  readonly settings: SettingStore;

  constructor(db: Db, cacheTtlMs: number) {
    this.#db = db;
    this.#configured = new ConfiguredCache(cacheTtlMs);
    const run: RunSql = async (text, params) => (await db.query(text, params)).rows;
    this.#attempts = new PostgresAttempts(db.query, run);
    this.attempts = this.#attempts;
    this.events = new PostgresEvents(db.query);
    this.mfa = new SqlMfaStore(run);
    this.jobs = new SqlJobStore(run);
    this.settings = new SqlSettingStore(run);
    this.legacyTokens = new SqlLegacyTokenStore(run);
  }

  // SchemaMigrations

  pendingMigrations(): Promise<Migration[]> {
    return pendingPostgresMigrations(this.#db);
  }

  migrate(): Promise<Migration[]> {
    return migratePostgres(this.#db);
  }

  // UserStore

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

  async importUsers(users: NewUser[], now: number, options: { upsert: boolean }): Promise<ImportedUser[]> {
    if (users.length === 0) return [];
    const rows = users.map((user) => ({ ...userColumns(user), id: newUserId(), created_at: now, updated_at: now }));
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

  // PasswordHistoryStore

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

  async listUsers(filter: UserFilter & { limit: number; offset: number }): Promise<UserRecord[]> {
    const { where, values } = userSearch(filter, $);
    const { rows } = await this.#db.query(`SELECT * FROM users ${where} ORDER BY connection, username_lower LIMIT ${$(values.length + 1)} OFFSET ${$(values.length + 2)}`,
      [...values, filter.limit, filter.offset]);
    return rows.map(toUser);
  }

  async countUsers(filter: UserFilter): Promise<number> {
    const { where, values } = userSearch(filter, $);
    const { rows } = await this.#db.query(`SELECT count(*)::int AS n FROM users ${where}`, values);
    return rows[0]!.n as number;
  }

  // Configured records: one jsonb document per row, keyed by its identifier.

  async #sync(table: string, key: string, records: { [k: string]: unknown }[]): Promise<void> {
    // Sorted, so nodes syncing the same configuration at once lock rows in the same order.
    const sorted = records.map((r) => [r[key] as string, JSON.stringify(r)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const keys = sorted.map(([k]) => k);
    await this.#db.transaction(async (query) => {
      await query(`INSERT INTO ${table} (${key}, data, managed_by) SELECT k, d, 'config' FROM unnest($1::text[], $2::jsonb[]) AS r (k, d)
        ON CONFLICT (${key}) DO UPDATE SET data = excluded.data, managed_by = 'config'`, [keys, sorted.map(([, data]) => data)]);
      await query(`DELETE FROM ${table} WHERE managed_by = 'config' AND NOT (${key} = ANY ($1::text[]))`, [keys]);
    });
    this.#configured.invalidate(table);
  }

  #records(table: string, key: string): Promise<Map<string, unknown>> {
    return this.#configured.records(table, async () => {
      const { rows } = await this.#db.query(`SELECT ${key} AS k, data FROM ${table} ORDER BY ${key}`);
      return rows.map((row) => [row.k as string, row.data]);
    });
  }

  async #get<T>(table: string, key: string, value: string): Promise<T | undefined> {
    return (await this.#records(table, key)).get(value) as T | undefined;
  }

  async #list<T>(table: string, key: string): Promise<T[]> {
    return [...(await this.#records(table, key)).values()] as T[];
  }

  async syncClients(clients: ClientRecord[]): Promise<void> { await this.#sync('clients', 'client_id', clients as never); }
  async syncConnections(connections: ConnectionRecord[]): Promise<void> { await this.#sync('connections', 'name', connections as never); }
  async syncApis(apis: ApiRecord[]): Promise<void> { await this.#sync('apis', 'identifier', apis as never); }
  async getClient(clientId: string): Promise<ClientRecord | undefined> { return this.#get('clients', 'client_id', clientId); }
  async getConnection(name: string): Promise<ConnectionRecord | undefined> { return this.#get('connections', 'name', name); }
  async listConnections(): Promise<ConnectionRecord[]> { return this.#list('connections', 'name'); }
  async getApi(identifier: string): Promise<ApiRecord | undefined> { return this.#get('apis', 'identifier', identifier); }
  async listApis(): Promise<ApiRecord[]> { return this.#list('apis', 'identifier'); }

  // ManagedStore: the owner is read and changed in one transaction, under the row's lock.

  async listOwned<K extends ConfiguredKind>(kind: K): Promise<Owned<ConfiguredRecords[K]>[]> {
    const { rows } = await this.#db.query(`SELECT data, managed_by FROM ${kind} ORDER BY ${CONFIGURED_KEYS[kind]}`);
    return rows.map((row) => ({ record: row.data as ConfiguredRecords[K], managed_by: row.managed_by as Owner }));
  }

  async insertRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<void> {
    const key = CONFIGURED_KEYS[kind];
    const value = (record as unknown as Record<string, string>)[key]!;
    const inserted = await this.#db.query(`INSERT INTO ${kind} (${key}, data, managed_by) VALUES ($1, $2, 'api') ON CONFLICT DO NOTHING`, [value, JSON.stringify(record)]);
    if (inserted.rowCount !== 1) throw new ConflictError(`${kind} "${value}"`);
    this.#configured.invalidate(kind);
  }

  async #changeOwned(kind: ConfiguredKind, value: string, change: (query: Query) => Promise<unknown>): Promise<Owner | undefined> {
    const owner = await this.#db.transaction(async (query) => {
      const { rows } = await query(`SELECT managed_by FROM ${kind} WHERE ${CONFIGURED_KEYS[kind]} = $1 FOR UPDATE`, [value]);
      if (rows[0]?.managed_by === 'api') await change(query);
      return rows[0]?.managed_by as Owner | undefined;
    });
    this.#configured.invalidate(kind);
    return owner;
  }

  async replaceRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<Owner | undefined> {
    const key = CONFIGURED_KEYS[kind];
    const value = (record as unknown as Record<string, string>)[key]!;
    return this.#changeOwned(kind, value, (query) => query(`UPDATE ${kind} SET data = $1 WHERE ${key} = $2`, [JSON.stringify(record), value]));
  }

  async deleteRecord(kind: ConfiguredKind, value: string): Promise<Owner | undefined> {
    return this.#changeOwned(kind, value, (query) => query(`DELETE FROM ${kind} WHERE ${CONFIGURED_KEYS[kind]} = $1`, [value]));
  }

  // KeyStore

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return signingKeys(this.#db.query, '');
  }

  async addSigningKey(key: NewSigningKey, state: 'current' | 'next'): Promise<boolean> {
    return insertSigningKey(this.#db.query, key, state);
  }

  async rotateSigningKey(next: NewSigningKey, now: number): Promise<SigningKeyRecord | undefined> {
    return this.#db.transaction(async (query) => {
      await query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SIGNING_KEY_LOCK, next.alg]);
      const [promoted] = await signingKeys(query, `WHERE alg = $1 AND state = 'next'`, [next.alg]);
      if (!promoted) return undefined;
      await query(`UPDATE signing_keys SET state = 'previous', retired_at = $1 WHERE alg = $2 AND state = 'current'`, [now, next.alg]);
      await query(`UPDATE signing_keys SET state = 'current', activated_at = $1 WHERE kid = $2`, [now, promoted.kid]);
      if (!await insertSigningKey(query, next, 'next')) throw new ConflictError(`signing key ${next.kid}`);
      return { ...promoted, state: 'current' as const, activated_at: now };
    });
  }

  async revokeSigningKey(kid: string, now: number): Promise<SigningKeyRecord | undefined> {
    return this.#db.transaction(async (query) => {
      await query('SELECT pg_advisory_xact_lock($1, hashtext(alg)) FROM signing_keys WHERE kid = $2', [SIGNING_KEY_LOCK, kid]);
      const [key] = await signingKeys(query, 'WHERE kid = $1', [kid]);
      if (key?.state === 'next' || key?.state === 'previous') {
        await query(`UPDATE signing_keys SET state = 'revoked', revoked_at = $1, private_jwk = '{}' WHERE kid = $2`, [now, kid]);
      }
      return key;
    });
  }

  // RefreshTokenStore: one record per family, rotated in place by a compare-and-set on its live hashes. Under READ
  // COMMITTED a concurrent UPDATE of the same record waits for the first to commit, then re-checks its WHERE on the new
  // version, so exactly one of them matches; a rotation inserts nothing a revocation could miss.

  async createRefreshFamily(family: RefreshFamilyRecord): Promise<void> {
    await this.#db.query(...insertSql('refresh_families', refreshFamilyRow(family)));
  }

  async findRefreshFamily(selector: string): Promise<RefreshFamilyRecord | undefined> {
    const { rows } = await this.#db.query('SELECT * FROM refresh_families WHERE selector = $1', [selector]);
    return rows[0] && toRefreshFamily(rows[0]);
  }

  async advanceRefreshFamily(selector: string, expected: readonly string[], next: RefreshFamilyState): Promise<boolean> {
    const { rowCount } = await this.#db.query(`UPDATE refresh_families SET generation = $1, token_hashes = $2, previous_hashes = $3,
      rotated_at = $4, idle_expires_at = $5 WHERE selector = $6 AND token_hashes = $7::text[] AND revoked_at IS NULL`,
    [next.generation, next.token_hashes, next.previous_hashes, next.rotated_at, next.idle_expires_at, selector, expected]);
    return rowCount === 1;
  }

  async touchRefreshFamily(selector: string, idleExpiresAt: number): Promise<void> {
    await this.#db.query('UPDATE refresh_families SET idle_expires_at = $1 WHERE selector = $2 AND idle_expires_at < $1', [idleExpiresAt, selector]);
  }

  async revokeRefreshFamily(familyId: string, now: number): Promise<void> {
    await this.#db.query('UPDATE refresh_families SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL', [now, familyId]);
  }

  async revokeUserRefreshTokens(userId: string, now: number): Promise<string[]> {
    const { rows } = await this.#db.query('UPDATE refresh_families SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING family_id', [now, userId]);
    return [...new Set(rows.map((row) => row.family_id as string))];
  }

  // DenylistStore: jtis and family sids share the table's key (denylist-keys.ts).

  async #deny(key: string, expiresAt: number): Promise<void> {
    await this.#db.query('INSERT INTO denied_access_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING', [key, expiresAt]);
  }

  async denyAccessToken(jti: string, expiresAt: number): Promise<void> {
    await this.#deny(jti, expiresAt);
  }

  async denySession(sid: string, expiresAt: number): Promise<void> {
    await this.#deny(sessionKey(sid), expiresAt);
  }

  async isAccessTokenDenied(token: DeniableToken): Promise<boolean> {
    return (await this.#db.query('SELECT 1 FROM denied_access_tokens WHERE jti = ANY ($1::text[])', [denylistKeys(token)])).rowCount > 0;
  }

  async listDenied(after: string, limit: number, now: number): Promise<DeniedEntry[]> {
    // Compared and ordered in the same (the column's) collation, so pages follow the primary key and never skip one.
    const { rows } = await this.#db.query('SELECT jti AS key, expires_at FROM denied_access_tokens WHERE jti > $1 AND expires_at > $2 ORDER BY jti LIMIT $3',
      [after, now, limit]);
    return rows as unknown as DeniedEntry[];
  }

  async useOnce(key: string, expiresAt: number, now: number): Promise<boolean> {
    // A remembered use that has expired is replaced, so the key is usable again only once it could not be a replay.
    return (await this.#db.query(`INSERT INTO used_once (key, expires_at) VALUES ($1, $2)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= $3`, [key, expiresAt, now])).rowCount === 1;
  }

  // Housekeeping

  async purge(now: number): Promise<number> {
    return await this.mfa.purge(now) + await this.legacyTokens.purge(now) + await this.#db.transaction(async (query) => {
      const refresh = await query(`DELETE FROM refresh_families WHERE ${ENDED_FAMILIES('$1', '$1')}`, [now]);
      const denied = await query('DELETE FROM denied_access_tokens WHERE expires_at <= $1', [now]);
      const used = await query('DELETE FROM used_once WHERE expires_at <= $1', [now]);
      return refresh.rowCount + denied.rowCount + used.rowCount + await this.#attempts.purge(query, now);
    });
  }

  async ping(): Promise<void> {
    await this.#db.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#db.end();
  }
}
