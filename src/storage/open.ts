/** Opens the store a storage URL names: SQLite (`sqlite:`) or PostgreSQL (`postgres://`, `postgresql://`). */
import type { Config } from '../config/schema.ts';
import type { AvailabilityWatcher } from './errors.ts';
import type { Store } from './store.ts';
import { describeMigrations, type SchemaMigrations } from './migrations.ts';
import type { PoolOptions } from './postgres/db.ts';
import { openPostgres } from './postgres/store.ts';
import { openSqlite } from './sqlite/store.ts';
import { StoreOpenError } from './open-failure.ts';

export interface StoreOptions {
  /**
   * auto: apply pending migrations; manual: refuse to open while any is pending;
   * none: neither, for `tollgate migrate` itself.
   */
  migrations?: 'auto' | 'manual' | 'none';
  /** PostgreSQL only. */
  pool?: PoolOptions;
  /** PostgreSQL only: told whether each call reached the database. */
  watcher?: AvailabilityWatcher;
  /** How long a node serves configured records from memory, in milliseconds. */
  cacheTtlMs?: number;
  /** SQLite: checkpoint the WAL from a worker thread, off the event loop (a serving node; not worth a thread for a CLI command). */
  backgroundCheckpoints?: boolean;
}

export type MigratableStore = Store & SchemaMigrations;

/** The store options a configuration asks for. */
export function storeOptions(config: Pick<Config, 'migrations' | 'storage_pool' | 'storage_cache_ttl'>): StoreOptions {
  return { migrations: config.migrations, pool: config.storage_pool, cacheTtlMs: config.storage_cache_ttl };
}

async function openBackend(storage: string, migrate: boolean, options: StoreOptions): Promise<MigratableStore> {
  if (storage.startsWith('sqlite:')) return openSqlite(storage, { migrate, cacheTtlMs: options.cacheTtlMs, backgroundCheckpoints: options.backgroundCheckpoints });
  if (/^postgres(ql)?:\/\//.test(storage)) {
    try {
      return await openPostgres(storage, { migrate, pool: options.pool, cacheTtlMs: options.cacheTtlMs, watcher: options.watcher });
    } catch (err) {
      throw new StoreOpenError(storage, err);
    }
  }
  // Only the scheme: the rest of a URL may hold a password.
  throw new Error(`unsupported storage "${storage.split(':')[0]}:..." (expected sqlite: or postgres://)`);
}

export async function openStore(storage: string, options: StoreOptions = {}): Promise<MigratableStore> {
  const mode = options.migrations ?? 'auto';
  const store = await openBackend(storage, mode === 'auto', options);
  if (mode !== 'manual') return store;
  try {
    const pending = await store.pendingMigrations();
    if (pending.length > 0) {
      throw new Error(`the store's schema is not up to date: ${pending.length} pending migration(s), ${describeMigrations(pending)}. `
        + 'Run "tollgate migrate" first (migrations: manual).');
    }
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}
