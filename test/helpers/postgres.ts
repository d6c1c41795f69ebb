/**
 * Throwaway PostgreSQL databases for tests. CREATE DATABASE costs a few hundred milliseconds of disk writes here,
 * so a store's database is not dropped when the store closes: its tables are emptied and the next
 * store of the same test process gets it, as fresh and empty as a new one. Every database a process created is
 * dropped when its tests end. TOLLGATE_TEST_POSTGRES names the server (default: the local `test` database).
 */
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type PostgresOptions, type PostgresStore } from '../../src/storage/postgres/store.ts';

export const POSTGRES_URL = process.env.TOLLGATE_TEST_POSTGRES || 'postgres://postgres@127.0.0.1:5432/test';

/** CREATE and DROP DATABASE run outside transactions, from the maintenance database. */
const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 4, allowExitOnIdle: true });
admin.on('error', () => {});

/** Every database this process created and has not dropped yet. */
const created = new Set<string>();
/** Migrated, emptied databases no store uses. */
const recycled: string[] = [];

after(async () => {
  await Promise.all([...created].map(dropDatabase));
  await admin.end();
});

export function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.href;
}

/** Runs one statement in a test database, as an operator at a psql prompt would. */
export async function psql(database: string, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** A new database, migrated unless `migrated: false`. Returns its name. */
export async function createDatabase(options: { migrated?: boolean } = {}): Promise<string> {
  const name = `tollgate_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  created.add(name);
  if (options.migrated !== false) await (await openPostgres(databaseUrl(name))).close();
  return name;
}

/** FORCE: a connection a failed test left open must not keep the database alive. */
export async function dropDatabase(name: string): Promise<void> {
  created.delete(name);
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** A migrated database with no rows but the migrations', and no user: a recycled one, or a new one. */
export async function takeDatabase(): Promise<string> {
  return recycled.pop() ?? createDatabase();
}

/**
 * Empties every table but schema_migrations and restarts the sequences, then offers the database to the next store.
 * DELETE rather than TRUNCATE: on tables this small it is a fraction of the cost (TRUNCATE makes new files).
 */
export async function releaseDatabase(name: string): Promise<void> {
  await psql(name, `DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
      EXECUTE format('DELETE FROM %I', r.tablename);
    END LOOP;
    PERFORM setval(format('%I', sequencename)::regclass, 1, false) FROM pg_sequences WHERE schemaname = 'public';
  END $$`);
  recycled.push(name);
}

/** A store on a fresh, empty, migrated database, released when the store closes. */
export async function openTestPostgres(options: PostgresOptions = {}): Promise<PostgresStore> {
  const name = await takeDatabase();
  const store = await openPostgres(databaseUrl(name), options);
  const close = store.close.bind(store);
  return Object.assign(store, {
    async close() {
      await close();
      await releaseDatabase(name);
    },
  });
}
