/**
 * Metadata nested deeper than 32 levels is refused when it is written (400 invalid_body naming the field), never a
 * 500 from a walk that ran out of stack, and never stored for a client's JSON parser to choke on when it lists users.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startManaged } from '../helpers/management.ts';
import { deepBody, nested } from '../helpers/json.ts';

const newUser = (extra: Record<string, unknown>) => ({ connection: 'customers', username: `u${Math.random().toString(36).slice(2, 10)}`, password: 'tulip-mosaic-47-river', ...extra });

test('POST /api/v2/users: app_metadata and user_metadata may nest 32 levels; 33 or 10,000 are 400 invalid_body naming the field', async (t) => {
  const tg = await startManaged(t);
  for (const field of ['app_metadata', 'user_metadata']) {
    const ok = await tg.call('POST', '/users', { body: newUser({ [field]: nested(32) }) });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    for (const levels of [33, 10_000]) {
      const user = newUser({});
      const body = deepBody(field, levels, user);
      const res = await tg.call('POST', '/users', { body });
      assert.equal(res.status, 400, `${field} ${levels} levels: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.errorCode, 'invalid_body');
      assert.equal(res.body.fields[0].field, field);
      assert.match(res.body.fields[0].message, /nests more than 32 levels/);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(await tg.store.users.findUserByLogin('customers', user.username), undefined, 'nothing stored');
    }
  }
  const list = await tg.call('GET', '/users');
  assert.equal(list.status, 200);
  assert.ok(list.body.length >= 2);
});

test('PATCH /api/v2/users/{id}: a metadata patch nested past 32 levels is 400 and leaves the user as it was', async (t) => {
  const tg = await startManaged(t);
  const created = await tg.call('POST', '/users', { body: newUser({ app_metadata: { plan: 'gold' } }) });
  assert.equal(created.status, 201);
  const id = created.body.user_id;
  for (const levels of [33, 10_000]) {
    const res = await tg.call('PATCH', `/users/${id}`, { body: deepBody('app_metadata', levels) });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.fields[0].field, 'app_metadata');
  }
  assert.deepEqual((await tg.call('GET', `/users/${id}`)).body.app_metadata, { plan: 'gold' });
  const ok = await tg.call('PATCH', `/users/${id}`, { body: { user_metadata: nested(32) } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});
