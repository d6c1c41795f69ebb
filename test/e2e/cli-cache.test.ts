/** `tollgate blocks` with `cache` configured: blocks live in the store whatever the cache, and the operator sees and clears them there. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { configFile, databaseOf, tollgate } from '../helpers/cli.ts';
import { REDIS_URL, deleteUnder, keysUnder, testPrefix, withTestCache } from '../helpers/redis.ts';

test('blocks list and clear, with a cache configured, read and clear the blocks in the store; Redis holds none', async (t) => {
  const prefix = testPrefix();
  t.after(() => deleteUnder(prefix));
  const file = configFile(`cache: ${REDIS_URL}\ncache_prefix: "${prefix}"\n`);
  const sql = openSqlite(`sqlite:${databaseOf(file)}`);
  const { store, cache } = await withTestCache(sql, { prefix });
  const at = Math.floor(Date.now() / 1000);
  try {
    for (const username of ['alice', 'bob']) await store.attempts.addLoginFailure({ connection: 'customers', username, ip: '2001:db8::7' }, at - 60, 1, null);
    assert.deepEqual((await sql.attempts.listLoginBlocks({}, at)).map((b) => b.username), ['alice', 'bob'], 'in SQL');
    assert.deepEqual(await keysUnder(prefix), [`${prefix}epoch`], 'nothing in Redis but the epoch marker');
  } finally {
    await Promise.all([cache.close(), sql.close()]);
  }

  const list = await tollgate(['blocks', 'list', '--config', file, '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual((JSON.parse(list.stdout) as { username: string; ip: string }[]).map((b) => [b.username, b.ip]), [['alice', '2001:db8::7'], ['bob', '2001:db8::7']]);
  const cleared = await tollgate(['blocks', 'clear', '--config', file, '--connection', 'customers', '--username', 'alice']);
  assert.equal(cleared.stdout, 'cleared 1 counter for alice in customers\n', cleared.stderr);
  const after = openSqlite(`sqlite:${databaseOf(file)}`);
  try {
    assert.deepEqual((await after.attempts.listLoginBlocks({}, at)).map((b) => b.username), ['bob']);
  } finally {
    await after.close();
  }
});
