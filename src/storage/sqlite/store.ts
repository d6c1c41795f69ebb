/** The embedded store: node:sqlite in WAL mode. Synchronous underneath, async at the interface. */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store } from '../store.ts';
import { migrations } from './migrations.ts';
import { systemClock } from '../../clock.ts';
import { pendingMigrations, type Migration, type SchemaMigrations } from '../migrations.ts';
import { ConfiguredCache, configuredReaders } from '../configured-cache.ts';
import { SqliteAttempts } from './attempts.ts';
import { SqliteEvents } from './events.ts';
import { SqlJobStore } from '../jobs-sql.ts';
import { SqlExportStore } from '../exports-sql.ts';
import { SqlSettingStore } from '../settings-sql.ts';
import { SqlMfaStore } from '../mfa-sql.ts';
import type { RunSql } from '../portable-sql.ts';
import { SqlLegacyTokenStore } from '../legacy-tokens-sql.ts';
import { BACKSTOP_PAGES, BackgroundCheckpoints } from './checkpoints.ts';
import type { SqliteDb } from './db.ts';
import { SqlitePasswordHistory, SqliteUsers } from './users.ts';
import { SqliteConfigured, sqliteRecords } from './configured.ts';
import { SqliteKeys } from './keys.ts';
import { SqliteDenylist, SqliteRefreshFamilies, SqliteSingleUse } from './tokens.ts';

export interface SqliteOptions {
  /** Apply pending migrations (default true); false opens without (see pendingMigrations, migrate). */
  migrate?: boolean;
  /** Milliseconds configured records are served from memory before being read again (default 5000). */
  cacheTtlMs?: number;
  /** Milliseconds for that cache's TTL (default: a monotonic clock). */
  cacheClock?: () => number;
  /** Checkpoint a file's WAL from a worker thread rather than in the COMMITs of this connection (checkpoints.ts): for a node. */
  backgroundCheckpoints?: boolean;
}

export function openSqlite(url: string, options: SqliteOptions = {}): SqliteStore {
  const path = url.replace(/^sqlite:/, '');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore(new DatabaseSync(path), options);
}


export class SqliteStore implements Store, SchemaMigrations {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  readonly #checkpoints: BackgroundCheckpoints | undefined;
  readonly #attempts: SqliteAttempts;
  /** Set by close(), so a purge in progress stops between slices. */
  #closing = false;
  readonly #refreshFamilies: SqliteRefreshFamilies;
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

  constructor(db: DatabaseSync, options: SqliteOptions = {}) {
    this.#db = db;
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
    this.exports = new SqlExportStore(run);
    this.settings = new SqlSettingStore(run);
    this.legacyTokens = new SqlLegacyTokenStore(run);
    const slices: SqliteDb = { sql, transaction: (work) => this.#transaction(work) };
    this.users = new SqliteUsers(slices);
    this.passwordHistory = new SqlitePasswordHistory(slices);
    /**
     * Configured records (clients, connections, APIs) are read on the token endpoint's hot path from memory. This
     * store's own writes invalidate them at once; other processes' (another node, the CLI) are seen within the TTL.
     */
    const configured = new ConfiguredCache(options.cacheTtlMs ?? 5000, options.cacheClock);
    this.configured = new SqliteConfigured(slices, configured);
    ({ clients: this.clients, connections: this.connections, apis: this.apis } = configuredReaders(configured, sqliteRecords(slices)));
    this.keys = new SqliteKeys(slices);
    this.#refreshFamilies = new SqliteRefreshFamilies(slices);
    this.refreshFamilies = this.#refreshFamilies;
    this.denylist = new SqliteDenylist(slices);
    this.singleUse = new SqliteSingleUse(slices);
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


  // Housekeeping

  async purge(now: number): Promise<number> {
    const others = this.#transaction(() => {
      const denied = this.#sql('DELETE FROM denied_access_tokens WHERE expires_at <= ?').run(now);
      const used = this.#sql('DELETE FROM used_once WHERE expires_at <= ?').run(now);
      return Number(denied.changes) + Number(used.changes) + this.#attempts.purge(now);
    });
    return others + await this.mfa.purge(now) + await this.legacyTokens.purge(now) + await this.#refreshFamilies.purgeEnded(now, () => this.#closing);
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
