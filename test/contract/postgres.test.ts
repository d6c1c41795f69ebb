/** What only the PostgreSQL store has: several nodes on one database, migrations under a lock, connection loss. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ConflictError, StoreUnavailableError } from '../../src/storage/errors.ts';
import type { MfaPolicy } from '../../src/model/directory.ts';
import type { RefreshFamilyRecord, RefreshFamilyState } from '../../src/model/tokens.ts';

const NO_MFA: MfaPolicy = { policy: 'never', factors: ['otp'] };
import { openPostgres, type PostgresOptions, type PostgresStore } from '../../src/storage/postgres/store.ts';
import { migrations } from '../../src/storage/postgres/migrations.ts';
import { migrations as sqliteMigrations } from '../../src/storage/sqlite/migrations.ts';
import { translateError } from '../../src/storage/postgres/db.ts';
import { openStore } from '../../src/storage/open.ts';
import { refreshFamily } from '../helpers/records.ts';
import { createDatabase, databaseUrl, dropDatabase, psql, releaseDatabase, takeDatabase } from '../helpers/postgres.ts';

const T = 1_767_225_600;

const family = (overrides: Partial<RefreshFamilyRecord> = {}) => refreshFamily({ scope: ['openid'], ...overrides });

/** The first rotation of a family, to the token hashed `hash`. */
function rotation(hash: string): RefreshFamilyState {
  return { generation: 1, token_hashes: [hash], previous_hashes: ['h0'], rotated_at: T + 1, idle_expires_at: T + 101 };
}

/**
 * A migrated, empty database for the test (`fresh`: a new, unmigrated one, dropped after); `open` gives another node
 * on it, closed when the test ends.
 */
async function database(t: TestContext, options: { fresh?: boolean } = {}) {
  const name = options.fresh ? await createDatabase({ migrated: false }) : await takeDatabase();
  const opened: PostgresStore[] = [];
  t.after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await (options.fresh ? dropDatabase(name) : releaseDatabase(name));
  });
  const open = async (storeOptions: PostgresOptions = {}) => {
    const store = await openPostgres(databaseUrl(name), storeOptions);
    opened.push(store);
    return store;
  };
  return { name, url: databaseUrl(name), open };
}

test('the PostgreSQL migrations have the SQLite ones\' versions and names', () => {
  assert.deepEqual(migrations.map((m) => [m.version, m.name]), sqliteMigrations.map((m) => [m.version, m.name]));
});

test('three nodes starting at once on a fresh database all open, and each migration is applied once', async (t) => {
  const db = await database(t, { fresh: true });
  const nodes = await Promise.all([db.open(), db.open(), db.open()]);
  assert.equal(nodes.length, 3);
  const rows = await psql(db.name, 'SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version');
  assert.deepEqual(rows, migrations.map((m) => ({ version: m.version, n: 1 })));
  assert.deepEqual(await nodes[0]!.pendingMigrations(), []);
  assert.deepEqual(await nodes[1]!.migrate(), [], 'nothing left to apply');
});

test('an applied migration whose checksum changed is refused, whether migrating or checking', async (t) => {
  const db = await database(t, { fresh: true });
  await db.open();
  await psql(db.name, `UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1`);
  await assert.rejects(openPostgres(db.url), /migration 1 \(core\) changed after it was applied/);
  await assert.rejects(openStore(db.url, { migrations: 'manual' }), /migration 1 \(core\) changed after it was applied/);
});

test('migrations: manual refuses a store with pending migrations and names `tollgate migrate`', async (t) => {
  const db = await database(t, { fresh: true });
  await assert.rejects(openStore(db.url, { migrations: 'manual' }), new RegExp(`${migrations.length} pending migration\\(s\\), 1 \\(core\\), 2 .*tollgate migrate`));
  const operator = await openStore(db.url, { migrations: 'none' });
  assert.deepEqual((await operator.migrate()).map((m) => m.version), migrations.map((m) => m.version));
  await operator.close();
  await (await openStore(db.url, { migrations: 'manual' })).close();
});

test('one refresh token rotated by 20 parallel calls on two nodes: exactly one succeeds, one successor exists', async (t) => {
  const db = await database(t);
  const [a, b] = [await db.open(), await db.open()];
  await a.refreshFamilies.createRefreshFamily(family());
  const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation(`h1-${i}`))));
  assert.equal(attempts.filter(Boolean).length, 1);
  const live = await psql(db.name, `SELECT token_hashes FROM refresh_families`);
  assert.deepEqual(live, [{ token_hashes: [`h1-${attempts.indexOf(true)}`] }]);
});

test('a rotation racing the revocation of its family never leaves a live successor', async (t) => {
  const db = await database(t);
  const [a, b] = [await db.open(), await db.open()];
  for (let i = 0; i < 10; i++) {
    await a.refreshFamilies.createRefreshFamily(family({ selector: `s${i}`, family_id: `f${i}` }));
    await Promise.all([a.refreshFamilies.advanceRefreshFamily(`s${i}`, ['h0'], rotation(`h${i}-next`)), b.refreshFamilies.revokeRefreshFamily(`f${i}`, T + 1)]);
  }
  assert.deepEqual(await psql(db.name, 'SELECT selector FROM refresh_families WHERE revoked_at IS NULL'), []);
});

test('configured records: a sync on one node reaches another within cacheTtlMs; what they return is frozen', async (t) => {
  const db = await database(t);
  let ms = 0;
  const cacheClock = () => ms;
  const [a, b] = [await db.open({ cacheTtlMs: 50, cacheClock }), await db.open({ cacheTtlMs: 50, cacheClock })];
  await a.configured.syncConnections([{ name: 'customers', display_name: null, mfa: NO_MFA }]);
  assert.equal((await b.connections.getConnection('customers'))?.display_name, null);
  await a.configured.syncConnections([{ name: 'customers', display_name: 'Customers', mfa: NO_MFA }]);
  assert.equal((await a.connections.getConnection('customers'))?.display_name, 'Customers', 'the syncing node sees it at once');
  assert.equal((await b.connections.getConnection('customers'))?.display_name, null, 'the other node serves its cache');
  ms += 49;
  assert.equal((await b.connections.getConnection('customers'))?.display_name, null, 'still within cacheTtlMs');
  ms += 1;
  assert.equal((await b.connections.getConnection('customers'))?.display_name, 'Customers', 'and reloads once it is older than cacheTtlMs');
  await a.configured.syncApis([{ identifier: 'https://api', name: null, scopes: ['read'], access_token_ttl: null }]);
  const api = await a.apis.getApi('https://api');
  assert.deepEqual(api?.scopes, ['read'], 'the record is there (Object.isFrozen(undefined) is true)');
  assert.ok(Object.isFrozen(api) && Object.isFrozen(api.scopes), 'what the cache returns is frozen, deeply');
});

test('an unreachable database is a StoreUnavailableError, at open and on every call', async () => {
  const url = 'postgres://tollgate@127.0.0.1:1/nowhere';
  const options = { pool: { connect_timeout: 1 } };
  await assert.rejects(openPostgres(url, options), StoreUnavailableError);
  const store = await openPostgres(url, { ...options, migrate: false });
  try {
    await assert.rejects(store.users.getUser('u1'), StoreUnavailableError);
    await assert.rejects(store.refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation('h1')), StoreUnavailableError);
  } finally {
    await store.close();
  }
});

test('pool timeouts, lost connections and server shutdown read as unavailable; a unique violation as a conflict', () => {
  for (const err of [new Error('timeout exceeded when trying to connect'), new Error('Connection terminated unexpectedly'),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    Object.assign(new Error('connection failure'), { code: '08006' })]) {
    assert.ok(translateError(err) instanceof StoreUnavailableError, err.message);
  }
  assert.ok(translateError(Object.assign(new Error('duplicate key'), { code: '23505', table: 'users' })) instanceof ConflictError);
  const other = Object.assign(new Error('syntax error'), { code: '42601' });
  assert.equal(translateError(other), other);
});

test('connections killed by the server: the call in flight fails as unavailable, writes nothing, and the pool recovers', async (t) => {
  const db = await database(t);
  const store = await db.open();
  await store.refreshFamilies.createRefreshFamily(family());
  // Another session holds the family record's row lock, so the rotation is in flight when its connection is killed.
  const operator = new pg.Client({ connectionString: db.url });
  await operator.connect();
  try {
    await operator.query(`BEGIN; SELECT 1 FROM refresh_families WHERE selector = 's1' FOR UPDATE`);
    // The expectation is attached at once: the rotation may fail before the terminating query's own answer arrives,
    // and a rejection nothing handles yet would fail the test on its own.
    const rotating = assert.rejects(store.refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation('h1')), StoreUnavailableError);
    await waitFor(async () => (await operator.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.name])).rowCount === 1);
    await operator.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
    await rotating;
  } finally {
    await operator.end();
  }
  // Idle pooled connections were killed too; the pool drops each one as it learns of it, so a call may still meet one.
  assert.deepEqual((await recovered(() => store.refreshFamilies.findRefreshFamily('s1')))?.token_hashes, ['h0'], 'nothing was half-done');
  assert.equal(await recovered(() => store.refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation('h1'))), true, 'the pool reconnected by itself');
});

/** `call`, retried while it fails as unavailable (a bounded number of times): what a client does after an outage. */
async function recovered<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof StoreUnavailableError) || attempt === 10) throw err;
    }
  }
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}
