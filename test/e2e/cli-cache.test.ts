/** `tollgate blocks` with `cache` configured: the operator sees and clears the blocks the nodes keep in Redis. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { configFile, databaseOf, tollgate } from '../helpers/cli.ts';
import { REDIS_URL, deleteUnder, keysUnder, testPrefix, withTestCache } from '../helpers/redis.ts';

test('blocks list and clear read and clear the counters in Redis', async (t) => {
  const prefix = testPrefix();
  t.after(() => deleteUnder(prefix));
  const file = configFile(`cache: ${REDIS_URL}\ncache_prefix: "${prefix}"\n`);
  const sql = openSqlite(`sqlite:${databaseOf(file)}`);
  const { store, cache } = await withTestCache(sql, { prefix });
  const at = Math.floor(Date.now() / 1000);
  for (const username of ['alice', 'bob']) await store.attempts.addLoginFailure({ connection: 'customers', username, ip: '2001:db8::7' }, at - 60, 1, null);
  assert.deepEqual(await sql.attempts.listLoginBlocks({}, at), [], 'nothing in SQL');
  // Closed without deleting the keys: the CLI reads them next.
  await Promise.all([cache.close(), sql.close()]);

  const list = await tollgate(['blocks', 'list', '--config', file, '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual((JSON.parse(list.stdout) as { username: string; ip: string }[]).map((b) => [b.username, b.ip]), [['alice', '2001:db8::7'], ['bob', '2001:db8::7']]);
  const cleared = await tollgate(['blocks', 'clear', '--config', file, '--connection', 'customers', '--username', 'alice']);
  assert.equal(cleared.stdout, 'cleared 1 counter for alice in customers\n', cleared.stderr);
  const counters = (await keysUnder(prefix)).filter((key) => key.startsWith(`${prefix}lf:`));
  assert.deepEqual(counters, [`${prefix}lf:customers:bob:2001%3Adb8%3A%3A7`]);
});
