/**
 * The migration to one record per refresh-token family, on a database that holds tokens of the old shape: every live
 * token keeps working and rotates into the new shape; consumed and revoked ones are not carried over.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrationChecksum, type Migration } from '../../src/storage/migrations.ts';
import { migrations as sqliteMigrations } from '../../src/storage/sqlite/migrations.ts';
import { migrations as postgresMigrations } from '../../src/storage/postgres/migrations.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { openPostgres } from '../../src/storage/postgres/store.ts';
import type { Store } from '../../src/storage/store.ts';
import { newOpaqueToken, tokenHash } from '../../src/tokens/opaque.ts';
import { findPresented, rotated } from '../../src/tokens/refresh.ts';
import { createDatabase, databaseUrl, dropDatabase, psql } from '../helpers/postgres.ts';

const T = 1_767_225_600;
const POLICY = { rotation: 'rotating' as const, leeway: 0, idle_ttl: 100, absolute_ttl: 1000 };

/** Old-shape tokens: a family rotated once (its first token consumed), a revoked one, and a bound one with a device. */
const tokens = { consumed: newOpaqueToken(), live: newOpaqueToken(), revoked: newOpaqueToken(), bound: newOpaqueToken() };

function oldRows(array: (values: string[]) => string, cnf: string): string {
  const row = (token: string, family: string, generation: number, consumed: string, revoked: string, extra = "NULL, NULL") =>
    `('${tokenHash(token)}', '${family}', ${generation}, 'web', 'u1', 'customers', ${array(['openid', 'offline_access'])}, NULL, ${T},
      ${array(['pwd'])}, ${T}, ${T + 1000}, ${T + 100}, ${consumed}, ${revoked}, ${extra})`;
  return `INSERT INTO refresh_tokens (id, family_id, generation, client_id, user_id, connection, scope, audience, auth_time, amr,
    created_at, family_expires_at, idle_expires_at, consumed_at, revoked_at, cnf, device) VALUES
    ${row(tokens.consumed, 'f1', 0, String(T + 5), 'NULL')},
    ${row(tokens.live, 'f1', 1, 'NULL', 'NULL')},
    ${row(tokens.revoked, 'f2', 0, 'NULL', String(T + 7))},
    ${row(tokens.bound, 'f3', 0, 'NULL', 'NULL', `${cnf}, 'Alice''s phone'`)}`;
}

async function assertCarriedOver(store: Store): Promise<void> {
  const live = await findPresented(store.refreshFamilies, tokens.live);
  assert.ok(live, 'a live token of the old shape still names its family');
  assert.equal(live.presented, 'live');
  assert.equal(live.family.family_id, 'f1', 'the family id, and so the sid of its access tokens, is kept');
  assert.equal(live.family.generation, 1);
  assert.deepEqual(live.family.scope, ['openid', 'offline_access']);
  assert.equal(await findPresented(store.refreshFamilies, tokens.consumed), undefined, 'a token consumed before the upgrade is not carried over');
  assert.equal(await findPresented(store.refreshFamilies, tokens.revoked), undefined, 'nor a revoked one');
  const bound = await findPresented(store.refreshFamilies, tokens.bound);
  assert.deepEqual(bound?.family.cnf, { jkt: 'thumbprint' });
  assert.equal(bound?.family.device, "Alice's phone");

  // Its rotation gives a token of the new shape, which names the same record.
  const next = rotated(live.family, POLICY, T + 10);
  assert.ok(await store.refreshFamilies.advanceRefreshFamily(live.family.selector, live.family.token_hashes, next.state));
  assert.ok(next.token.startsWith(`${tokenHash(tokens.live)}.`));
  assert.equal((await findPresented(store.refreshFamilies, next.token))?.presented, 'live');
  assert.equal((await findPresented(store.refreshFamilies, tokens.live))?.presented, 'previous', 'the old token is now the consumed one');
  assert.deepEqual((await store.refreshFamilies.revokeUserRefreshTokens('u1', T + 11)).sort(), ['f1', 'f3'], "the user's families are found as before");
}

const upTo14 = (migrations: Migration[]) => migrations.filter((m) => m.version <= 14);

test('one record per family, migrated on SQLite: live tokens of the old shape keep working and rotate into the new one', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-migration-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tollgate.db');
  const db = new DatabaseSync(file);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of upTo14(sqliteMigrations)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?, ?)').run(m.version, m.name, migrationChecksum(m.sql), T);
  }
  db.exec(oldRows((values) => `'${JSON.stringify(values)}'`, `'{"jkt":"thumbprint"}'`));
  db.close();

  const store = openSqlite(`sqlite:${file}`);
  t.after(() => store.close());
  await assertCarriedOver(store);
});

test('one record per family, migrated on PostgreSQL: live tokens of the old shape keep working and rotate into the new one', async (t: TestContext) => {
  const name = await createDatabase({ migrated: false });
  t.after(() => dropDatabase(name));
  await psql(name, 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  for (const m of upTo14(postgresMigrations)) {
    await psql(name, m.sql);
    await psql(name, 'INSERT INTO schema_migrations VALUES ($1, $2, $3, $4)', [m.version, m.name, migrationChecksum(m.sql), T]);
  }
  await psql(name, oldRows((values) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]`, `'{"jkt":"thumbprint"}'::jsonb`));

  const store = await openPostgres(databaseUrl(name));
  t.after(() => store.close());
  await assertCarriedOver(store);
});
