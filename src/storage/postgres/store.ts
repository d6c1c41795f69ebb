/**
 * The PostgreSQL store, for several Tollgate nodes on one database. Same semantics as the SQLite store; every
 * single-use consumption is a conditional write inside a transaction that holds the token family's lock.
 */
import type { Store } from '../store.ts';
import type { AvailabilityWatcher } from '../errors.ts';
import type { Migration, SchemaMigrations } from '../migrations.ts';
import { ConfiguredCache, configuredReaders } from '../configured-cache.ts';
import { DEFAULT_POOL, Db, type PoolOptions } from './db.ts';
import { migratePostgres, pendingPostgresMigrations } from './migrate.ts';
import { PostgresAttempts } from './attempts.ts';
import { PostgresEvents } from './events.ts';
import { SqlJobStore } from '../jobs-sql.ts';
import { SqlExportStore } from '../exports-sql.ts';
import { SqlSettingStore } from '../settings-sql.ts';
import { SqlMfaStore } from '../mfa-sql.ts';
import type { RunSql } from '../portable-sql.ts';
import { SqlLegacyTokenStore } from '../legacy-tokens-sql.ts';
import { ENDED_FAMILIES } from '../refresh-sql.ts';
import { PostgresPasswordHistory, PostgresUsers } from './users.ts';
import { PostgresConfigured, postgresRecords } from './configured.ts';
import { PostgresKeys } from './keys.ts';
import { PostgresDenylist, PostgresRefreshFamilies, PostgresSingleUse } from './tokens.ts';


export interface PostgresOptions {
  pool?: Partial<PoolOptions>;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Milliseconds a node serves configured records from memory before reading them again (default 5000). */
  cacheTtlMs?: number;
  /** Milliseconds for that cache's TTL (default: a monotonic clock). */
  cacheClock?: () => number;
  /** Told whether each call reached the database. */
  watcher?: AvailabilityWatcher;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
  const store = new PostgresStore(new Db(url, { ...DEFAULT_POOL, ...options.pool }, options.watcher), new ConfiguredCache(options.cacheTtlMs ?? 5000, options.cacheClock));
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

export class PostgresStore implements Store, SchemaMigrations {
  readonly #db: Db;
  readonly #attempts: PostgresAttempts;
  readonly users: Store['users'];
  readonly passwordHistory: Store['passwordHistory'];
  readonly clients: Store['clients'];
  readonly connections: Store['connections'];
  readonly apis: Store['apis'];
  readonly configured: Store['configured'];
  readonly keys: Store['keys'];
  readonly refreshFamilies: Store['refreshFamilies'];
  readonly denylist: Store['denylist'];
  readonly singleUse: Store['singleUse'];
  readonly attempts: Store['attempts'];
  readonly events: Store['events'];
  readonly mfa: Store['mfa'];
  readonly jobs: Store['jobs'];
  readonly exports: Store['exports'];
  readonly legacyTokens: Store['legacyTokens'];
  readonly settings: Store['settings'];

  constructor(db: Db, configured: ConfiguredCache) {
    this.#db = db;
    const run: RunSql = async (text, params) => (await db.query(text, params)).rows;
    this.#attempts = new PostgresAttempts(db.query, run);
    this.attempts = this.#attempts;
    this.events = new PostgresEvents(db.query);
    this.mfa = new SqlMfaStore(run);
    this.jobs = new SqlJobStore(run);
    this.exports = new SqlExportStore(run);
    this.settings = new SqlSettingStore(run);
    this.legacyTokens = new SqlLegacyTokenStore(run);
    this.users = new PostgresUsers(db);
    this.passwordHistory = new PostgresPasswordHistory(db);
    this.configured = new PostgresConfigured(db, configured);
    ({ clients: this.clients, connections: this.connections, apis: this.apis } = configuredReaders(configured, postgresRecords(db)));
    this.keys = new PostgresKeys(db);
    this.refreshFamilies = new PostgresRefreshFamilies(db);
    this.denylist = new PostgresDenylist(db);
    this.singleUse = new PostgresSingleUse(db);
  }

  // SchemaMigrations

  pendingMigrations(): Promise<Migration[]> {
    return pendingPostgresMigrations(this.#db);
  }

  migrate(): Promise<Migration[]> {
    return migratePostgres(this.#db);
  }

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
