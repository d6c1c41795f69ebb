/** SQLite nodes and the CLI share one file: configured records another process writes are read again within cacheTtlMs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';

test('SQLite: a record another connection writes is seen once the cache is older than cacheTtlMs, not before', async (t) => {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-configured-')), 'db.sqlite')}`;
  const [writer, fresh, cached] = [openSqlite(url), openSqlite(url, { cacheTtlMs: 0 }), openSqlite(url, { cacheTtlMs: 3_600_000 })];
  t.after(() => Promise.all([writer, fresh, cached].map((s) => s.close())));
  assert.deepEqual([await fresh.connections.listConnections(), await cached.connections.listConnections()], [[], []]);
  await writer.configured.insertRecord('connections', { name: 'partners', display_name: null, mfa: { policy: 'never', factors: ['otp'] } });
  assert.deepEqual((await fresh.connections.listConnections()).map((c) => c.name), ['partners'], 'cacheTtlMs 0 reads every time');
  assert.deepEqual(await cached.connections.listConnections(), [], 'an hour-long cache still serves what it read');
  const record = await fresh.connections.getConnection('partners');
  assert.equal(record?.name, 'partners', 'the record is there (Object.isFrozen(undefined) is true)');
  assert.ok(Object.isFrozen(record) && Object.isFrozen(record.mfa), 'cached records are frozen, deeply');
});
