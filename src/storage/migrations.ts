/**
 * Forward-only schema migrations: one list per backend under the same versions and names, made of the shared
 * migrations (shared-migrations.ts) and the dialect's own where the SQL differs; every applied one is
 * recorded with a checksum that must never change.
 */
import { createHash } from 'node:crypto';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface PendingMigration extends Migration {
  /** SHA-256 of the SQL, hex: recorded in schema_migrations when applied. */
  checksum: string;
}

/** What a store offers the operator: the migrations it still needs, and applying them. */
export interface SchemaMigrations {
  pendingMigrations(): Promise<Migration[]>;
  /** Applies every pending migration in one transaction; returns the ones it applied. */
  migrate(): Promise<Migration[]>;
}

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * The migrations `applied` (version -> recorded checksum) still lacks, in order. An applied migration whose SQL
 * changed since is an error: the database would silently differ from what the code describes.
 */
export function pendingMigrations(migrations: readonly Migration[], applied: ReadonlyMap<number, string>): PendingMigration[] {
  const pending: PendingMigration[] = [];
  for (const m of migrations) {
    const checksum = migrationChecksum(m.sql);
    const seen = applied.get(m.version);
    if (seen === undefined) pending.push({ ...m, checksum });
    else if (seen !== checksum) throw new Error(`migration ${m.version} (${m.name}) changed after it was applied`);
  }
  return pending;
}

/** "1 (core), 2 (refresh tokens)": for messages to operators. */
export function describeMigrations(migrations: readonly Migration[]): string {
  return migrations.map((m) => `${m.version} (${m.name})`).join(', ');
}
