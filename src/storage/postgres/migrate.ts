/** Applying the PostgreSQL migrations: one transaction under an advisory lock, so nodes starting together are safe. */
import { systemClock } from '../../clock.ts';
import { pendingMigrations, type Migration } from '../migrations.ts';
import type { Db, Query } from './db.ts';
import { migrations } from './migrations.ts';

/** pg_advisory_xact_lock key of schema changes ("tollmigr" in ASCII, as a bigint). */
const MIGRATION_LOCK = '8390043843762415474';

async function applied(query: Query): Promise<Map<number, string>> {
  const { rows } = await query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  if (!rows[0]?.present) return new Map();
  const recorded = await query('SELECT version, checksum FROM schema_migrations');
  return new Map(recorded.rows.map((r) => [r.version as number, r.checksum as string]));
}

export async function pendingPostgresMigrations(db: Db): Promise<Migration[]> {
  return pendingMigrations(migrations, await applied(db.query));
}

/**
 * Every pending migration, or none: the lock makes a second node wait for the first one's commit, then find
 * nothing left to do. Returns the migrations this call applied.
 */
export async function migratePostgres(db: Db): Promise<Migration[]> {
  return db.transaction(async (query) => {
    await query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const pending = pendingMigrations(migrations, await applied(query));
    for (const m of pending) {
      await query(m.sql);
      await query('INSERT INTO schema_migrations VALUES ($1, $2, $3, $4)', [m.version, m.name, m.checksum, systemClock()]);
    }
    return pending;
  });
}
