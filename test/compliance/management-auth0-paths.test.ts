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
