/** The signing key lifecycle in the store (next -> current -> previous -> revoked), the same assertions for each backend. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConflictError } from '../../src/storage/errors.ts';
import type { KeyState, NewSigningKey } from '../../src/model/keys.ts';
import type { Store } from '../../src/storage/store.ts';
import { migrationChecksum, type Migration } from '../../src/storage/migrations.ts';
import { migrations as sqliteMigrations } from '../../src/storage/sqlite/migrations.ts';
import { migrations as postgresMigrations } from '../../src/storage/postgres/migrations.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { openPostgres } from '../../src/storage/postgres/store.ts';
import type { SigningAlg } from '../../src/protocol/algorithms.ts';
import { ensureSigningKeys } from '../../src/keys/lifecycle.ts';
import { createDatabase, databaseUrl, dropDatabase, psql } from '../helpers/postgres.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;

function key(kid: string, alg: SigningAlg = 'RS256', created_at = T): NewSigningKey {
  return { kid, alg, private_jwk: { kty: 'RSA', d: `private-${kid}` }, public_jwk: { kty: 'RSA', n: `public-${kid}` }, created_at };
}

/** kid -> state, for every stored key. */
async function states(store: Store): Promise<Record<string, KeyState>> {
  return Object.fromEntries((await store.keys.listSigningKeys()).map((k) => [k.kid, k.state]));
}

forEachStore('signing keys contract', (withStore) => {
  withStore('add: a current and a next key per algorithm, listed oldest first; a second one in the same state is refused', async (store) => {
    assert.equal(await store.keys.addSigningKey(key('n1', 'RS256', T + 1), 'next'), true);
    assert.equal(await store.keys.addSigningKey(key('c1', 'RS256', T), 'current'), true);
    assert.equal(await store.keys.addSigningKey(key('e1', 'ES256', T + 2), 'current'), true);
    assert.equal(await store.keys.addSigningKey(key('c2', 'RS256', T + 3), 'current'), false, 'RS256 has a current key');
    assert.equal(await store.keys.addSigningKey(key('n2', 'RS256', T + 3), 'next'), false, 'RS256 has a next key');
    assert.equal(await store.keys.addSigningKey(key('c1', 'PS256', T + 3), 'current'), false, 'the kid exists');
    const keys = await store.keys.listSigningKeys();
    assert.deepEqual(keys.map((k) => k.kid), ['c1', 'n1', 'e1']);
    assert.deepEqual(keys[0], { ...key('c1'), state: 'current', activated_at: T, retired_at: null, revoked_at: null });
    assert.deepEqual(keys[1], { ...key('n1', 'RS256', T + 1), state: 'next', activated_at: null, retired_at: null, revoked_at: null });
  });

  withStore('rotate: next becomes current, current becomes previous, the new key is next; other algorithms are untouched', async (store) => {
    await store.keys.addSigningKey(key('c1'), 'current');
    await store.keys.addSigningKey(key('n1'), 'next');
    await store.keys.addSigningKey(key('e1', 'ES256'), 'current');
    const promoted = await store.keys.rotateSigningKey(key('n2', 'RS256', T + 10), T + 20);
    assert.deepEqual(promoted, { ...key('n1'), state: 'current', activated_at: T + 20, retired_at: null, revoked_at: null });
    assert.deepEqual(await states(store), { c1: 'previous', n1: 'current', e1: 'current', n2: 'next' });
    const c1 = (await store.keys.listSigningKeys()).find((k) => k.kid === 'c1');
    assert.deepEqual(c1, { ...key('c1'), state: 'previous', activated_at: T, retired_at: T + 20, revoked_at: null }, 'a previous key keeps its private part');

    await store.keys.rotateSigningKey(key('n3', 'RS256', T + 30), T + 40);
    assert.deepEqual(await states(store), { c1: 'previous', n1: 'previous', e1: 'current', n2: 'current', n3: 'next' });
  });

  withStore('rotate: without a next key nothing changes; a new key whose kid exists changes nothing either', async (store) => {
    await store.keys.addSigningKey(key('c1'), 'current');
    assert.equal(await store.keys.rotateSigningKey(key('n2'), T + 1), undefined);
    assert.deepEqual(await states(store), { c1: 'current' });
    await store.keys.addSigningKey(key('n1'), 'next');
    await assert.rejects(store.keys.rotateSigningKey(key('c1'), T + 1), ConflictError);
    assert.deepEqual(await states(store), { c1: 'current', n1: 'next' }, 'rolled back whole');
  });

  withStore('rotate: concurrent rotations each apply once, in turn: one current, one next, no key lost', async (store) => {
    await store.keys.addSigningKey(key('c0'), 'current');
    await store.keys.addSigningKey(key('n0'), 'next');
    const promoted = await Promise.all(Array.from({ length: 8 }, (_, i) => store.keys.rotateSigningKey(key(`n${i + 1}`, 'RS256', T + i + 1), T + 100)));
    assert.equal(new Set(promoted.map((k) => k?.kid)).size, 8, 'each promoted a different key');
    const byState = Object.values(await states(store)).sort();
    assert.deepEqual(byState, ['current', 'next', ...Array(8).fill('previous')].sort());
  });

  withStore('revoke: a previous or next key is revoked and loses its private part; a current key never is', async (store) => {
    await store.keys.addSigningKey(key('c1'), 'current');
    await store.keys.addSigningKey(key('n1'), 'next');
    await store.keys.rotateSigningKey(key('n2'), T + 10);
    assert.equal((await store.keys.revokeSigningKey('n1', T + 20))?.state, 'current', 'the current key is refused');
    const before = await store.keys.revokeSigningKey('c1', T + 20);
    assert.equal(before?.state, 'previous');
    assert.equal((await store.keys.revokeSigningKey('n2', T + 21))?.state, 'next');
    assert.equal(await store.keys.revokeSigningKey('nope', T + 20), undefined);
    assert.equal((await store.keys.revokeSigningKey('c1', T + 30))?.revoked_at, T + 20, 'revoking again changes nothing');
    const keys = await store.keys.listSigningKeys();
    assert.deepEqual(await states(store), { c1: 'revoked', n1: 'current', n2: 'revoked' });
    assert.deepEqual(keys.find((k) => k.kid === 'c1'), { ...key('c1'), private_jwk: {}, state: 'revoked', activated_at: T, retired_at: T + 10, revoked_at: T + 20 });
    assert.equal(await store.keys.rotateSigningKey(key('n3'), T + 40), undefined, 'no next key to promote');
    assert.equal(await store.keys.addSigningKey(key('n3'), 'next'), true, 'a revoked next key leaves room for another');
  });

  withStore('nodes starting at once on an empty store agree on one current and one next key per algorithm', async (store) => {
    const seen = await Promise.all(Array.from({ length: 4 }, () => ensureSigningKeys(store, ['ES256'], T)));
    const stored = await store.keys.listSigningKeys();
    assert.deepEqual(stored.map((k) => k.state).sort(), ['current', 'next']);
    for (const keys of seen) assert.deepEqual(keys, stored, 'each node reads what the winners wrote');
  });

  withStore('revoke racing rotate: the algorithm always has exactly one current key', async (store) => {
    await store.keys.addSigningKey(key('c0'), 'current');
    for (let i = 0; i < 6; i++) {
      await store.keys.addSigningKey(key(`n${i}`, 'RS256', T + i), 'next');
      await Promise.all([store.keys.rotateSigningKey(key(`r${i}`, 'RS256', T + i), T + i), store.keys.revokeSigningKey(`n${i}`, T + i)]);
      const current = (await store.keys.listSigningKeys()).filter((k) => k.state === 'current');
      assert.equal(current.length, 1);
      await store.keys.revokeSigningKey(`r${i}`, T + i);
    }
  });
});

/** Two RS256 keys and one ES256 key, as version 3 kept them: the newest of each algorithm signed. */
const OLD_KEYS: [string, SigningAlg, number][] = [['rs-old', 'RS256', T], ['rs-new', 'RS256', T + 5], ['es', 'ES256', T + 1]];
const MIGRATED = {
  'rs-old': { state: 'previous', activated_at: T, retired_at: T + 5 },
  'rs-new': { state: 'current', activated_at: T + 5, retired_at: null },
  es: { state: 'current', activated_at: T + 1, retired_at: null },
};

async function migratedStates(store: Store): Promise<Record<string, unknown>> {
  const keys = await store.keys.listSigningKeys();
  return Object.fromEntries(keys.map((k) => [k.kid, { state: k.state, activated_at: k.activated_at, retired_at: k.retired_at }]));
}

const upToVersion3 = (migrations: Migration[]) => migrations.filter((m) => m.version <= 3);

test('the key-states migration on SQLite: existing keys become current, the newest of each algorithm; older ones previous', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-keys-')), 'db.sqlite');
  const db = new DatabaseSync(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of upToVersion3(sqliteMigrations)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?, ?)').run(m.version, m.name, migrationChecksum(m.sql), T);
  }
  for (const [kid, alg, at] of OLD_KEYS) db.prepare(`INSERT INTO signing_keys VALUES (?, ?, '{}', '{}', ?)`).run(kid, alg, at);
  db.close();
  const store = openSqlite(`sqlite:${path}`);
  try {
    assert.deepEqual(await migratedStates(store), MIGRATED);
  } finally {
    await store.close();
  }
});

test('the key-states migration on PostgreSQL: existing keys become current, the newest of each algorithm; older ones previous', async (t) => {
  const name = await createDatabase({ migrated: false });
  t.after(() => dropDatabase(name));
  await psql(name, 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  for (const m of upToVersion3(postgresMigrations)) {
    await psql(name, m.sql);
    await psql(name, 'INSERT INTO schema_migrations VALUES ($1, $2, $3, $4)', [m.version, m.name, migrationChecksum(m.sql), T]);
  }
  for (const [kid, alg, at] of OLD_KEYS) await psql(name, `INSERT INTO signing_keys VALUES ($1, $2, '{}', '{}', $3)`, [kid, alg, at]);
  const store = await openPostgres(databaseUrl(name));
  try {
    assert.deepEqual(await migratedStates(store), MIGRATED);
  } finally {
    await store.close();
  }
});
