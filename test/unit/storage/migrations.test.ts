import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describeMigrations, migrationChecksum, pendingMigrations } from '../../../src/storage/migrations.ts';
import { migrations as sqliteMigrations } from '../../../src/storage/sqlite/migrations.ts';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';

const list = [{ version: 1, name: 'one', sql: 'CREATE TABLE a (x)' }, { version: 2, name: 'two', sql: 'CREATE TABLE b (x)' }];

test('pendingMigrations: the versions not applied yet, in order, each with the SHA-256 of its SQL', () => {
  assert.equal(migrationChecksum('CREATE TABLE a (x)'), createHash('sha256').update('CREATE TABLE a (x)').digest('hex'));
  assert.deepEqual(pendingMigrations(list, new Map()).map((m) => [m.version, m.checksum]), list.map((m) => [m.version, migrationChecksum(m.sql)]));
  assert.deepEqual(pendingMigrations(list, new Map([[1, migrationChecksum(list[0]!.sql)]])).map((m) => m.version), [2]);
  assert.equal(describeMigrations(list), '1 (one), 2 (two)');
});

test('pendingMigrations: an applied migration whose SQL changed is an error', () => {
  assert.throws(() => pendingMigrations(list, new Map([[1, 'another checksum']])), /^Error: migration 1 \(one\) changed after it was applied$/);
});

test('SQLite: migrate: false leaves the schema alone; migrate() applies and reports; a changed checksum is refused at open', async () => {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-migrations-')), 'db.sqlite')}`;
  const unmigrated = openSqlite(url, { migrate: false });
  assert.deepEqual((await unmigrated.pendingMigrations()).map((m) => m.version), sqliteMigrations.map((m) => m.version));
  assert.deepEqual((await unmigrated.migrate()).map((m) => m.version), sqliteMigrations.map((m) => m.version));
  assert.deepEqual(await unmigrated.migrate(), []);
  await unmigrated.close();
  const db = new DatabaseSync(url.slice('sqlite:'.length));
  db.exec(`UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 2`);
  db.close();
  assert.throws(() => openSqlite(url), /migration 2 \(refresh tokens and access token denylist\) changed after it was applied/);
});
