/** The management API at the paths Auth0's SDKs call beside Tollgate's own: /users-by-email and /user-blocks/{id}. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startManaged } from '../helpers/management.ts';

test('GET /users-by-email: every user with the address, in every connection, case-insensitive; fields and include_fields project', async (t) => {
  const tg = await startManaged(t, (c) => {
    c.users!.push({ connection: 'employees', username: 'alice2', email: 'Alice@Example.com', password: 'employee-password-2' });
  });
  const res = await tg.call('GET', '/users-by-email?email=ALICE@example.com');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.map((u: { connection: string }) => u.connection).sort(), ['customers', 'employees']);
  const only = await tg.call('GET', '/users-by-email?email=alice@example.com&fields=user_id,email');
  assert.deepEqual(only.body.map((u: object) => Object.keys(u).sort()), [['email', 'user_id'], ['email', 'user_id']]);
  const without = await tg.call('GET', '/users-by-email?email=alice@example.com&fields=app_metadata&include_fields=false');
  assert.ok(without.body.every((u: object) => !('app_metadata' in u) && 'user_id' in u));
  assert.deepEqual((await tg.call('GET', '/users-by-email?email=nobody@example.com')).body, []);
  const missing = await tg.call('GET', '/users-by-email');
  assert.deepEqual([missing.status, missing.body.errorCode], [400, 'invalid_query_string']);
  const denied = await tg.call('GET', '/users-by-email?email=alice@example.com', { token: await tg.managementToken(['read:clients']) });
  assert.deepEqual([denied.status, denied.body.errorCode], [403, 'insufficient_scope']);
});

test('GET and DELETE /user-blocks/{id} answer as /users/{id}/blocks', async (t) => {
  const tg = await startManaged(t);
  const [alice] = (await tg.call('GET', '/users-by-email?email=alice@example.com')).body;
  const auth0Path = await tg.call('GET', `/user-blocks/${alice.user_id}`);
  assert.deepEqual([auth0Path.status, auth0Path.body], [200, (await tg.call('GET', `/users/${alice.user_id}/blocks`)).body]);
  assert.equal((await tg.call('DELETE', `/user-blocks/${alice.user_id}`)).status, 204);
  assert.deepEqual([(await tg.call('GET', '/user-blocks/no-such-user')).status], [404]);
});

test('GET /users?q=...&search_engine=v3: Auth0\'s query syntax, sort, fields, include_fields, paging; a bad query is 400 saying where', async (t) => {
  const tg = await startManaged(t, (c) => {
    c.users!.push(
      { connection: 'customers', username: 'alfred', email: 'alfred@example.com', password: 'tulip-mosaic-47-river', app_metadata: { plan: 'gold' } },
      { connection: 'employees', username: 'alba', email: 'alba@corp.example.com', password: 'tulip-mosaic-47-river', app_metadata: { plan: 'gold' } },
    );
  });
  const search = async (query: string) => tg.call('GET', `/users?${query}`);
  const names = (res: { body: { username: string }[] }) => res.body.map((u) => u.username);
  const q = (text: string) => `q=${encodeURIComponent(text)}&search_engine=v3`;
  assert.deepEqual(names(await search(`${q('username:al* AND app_metadata.plan:gold')}&sort=username:1`)), ['alba', 'alfred']);
  assert.deepEqual(names(await search(`${q('username:al*')}&sort=username:-1`)), ['alice', 'alice', 'alfred', 'alba']);
  assert.deepEqual(names(await search(`${q('username:al* AND NOT identities.connection:employees')}&sort=email:1`)), ['alfred', 'alice']);
  const projected = await search(`${q('username:alfred')}&fields=user_id,username&include_fields=true`);
  assert.deepEqual(Object.keys(projected.body[0]).sort(), ['user_id', 'username']);
  const paged = await search(`${q('username:al*')}&sort=username:1&per_page=1&page=1&include_totals=true`);
  assert.deepEqual([paged.body.total, paged.body.length, paged.body.users[0].username], [4, 1, 'alfred']);

  const bad = await search(q('username:(al*'));
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.deepEqual([bad.body.errorCode, bad.body.fields], ['invalid_query_string', [{ field: 'q', message: 'unexpected "(" at character 10' }]]);
  assert.equal(bad.body.message, "Query validation error: q: unexpected '(' at character 10");
  for (const query of ['q=a&search_engine=v2', 'sort=password_hash:1', 'sort=username:2', `q=${'x'.repeat(1025)}`]) {
    const res = await search(query);
    assert.deepEqual([res.status, res.body.errorCode], [400, 'invalid_query_string'], query);
  }
});
