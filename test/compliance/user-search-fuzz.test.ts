/**
 * GET /api/v2/users?q=... fuzzed over HTTP on SQLite and PostgreSQL: random and mutated queries get 200 with users
 * or 400 invalid_query_string, never a 5xx, and a search never changes what the store holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { managed, withOps } from '../helpers/management.ts';
import { start } from '../helpers/tollgate.ts';
import { openTestPostgres } from '../helpers/postgres.ts';
import type { Store } from '../../src/storage/store.ts';

const PIECES = ['email:', 'username:', 'name:', 'app_metadata.plan:', 'app_metadata.seats:', 'user_metadata.a.b:', 'created_at:', 'updated_at:', 'blocked:',
  'email_verified:', '_exists_:', 'identities.connection:', 'colour:', '"', '"al ice"', '(', ')', '[', ']', '{', '}', ' TO ', ' AND ', ' OR ', 'NOT ', '-',
  '*', 'al*', 'true', '2026-01-01', '42', '-1.5', ':', '>=', '<', "'; DROP TABLE users; --", '\\', '%', '_', 'é', ' ', 'alice', 'x'];

async function fuzz(t: Parameters<typeof start>[0], store?: Store): Promise<void> {
  const tg = managed(await start(t, (c) => {
    withOps(c);
    c.users![0]!.app_metadata = { plan: 'gold', seats: 12, nested: { a: [1, 2] } };
  }, store ? { store } : {}));
  const before = await tg.store.users.countUsers({});
  const statuses = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const q = Array.from({ length: randomInt(1, 10) }, () => PIECES[randomInt(PIECES.length)]).join('');
    const res = await tg.call('GET', `/users?search_engine=v3&q=${encodeURIComponent(q)}${i % 3 === 0 ? '&include_totals=true&sort=created_at:-1' : ''}`);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status === 200 || (res.status === 400 && res.body.errorCode === 'invalid_query_string'), `${JSON.stringify(q)}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  assert.ok((statuses.get(200) ?? 0) > 20 && (statuses.get(400) ?? 0) > 20, `both answers seen: ${JSON.stringify([...statuses])}`);
  assert.equal(await tg.store.users.countUsers({}), before, 'searches changed nothing');
}

test('fuzzed searches on SQLite: 200 or 400 invalid_query_string, never a 5xx', async (t) => {
  await fuzz(t);
});

test('fuzzed searches on PostgreSQL: 200 or 400 invalid_query_string, never a 5xx', async (t) => {
  await fuzz(t, await openTestPostgres());
});
