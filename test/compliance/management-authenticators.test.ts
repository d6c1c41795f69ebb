/** /api/v2/users/{id}/authenticators: a user's MFA authenticators and the MFA reset. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { startManaged, type ManagedTollgate } from '../helpers/management.ts';
import { withMfa } from '../helpers/mfa.ts';
import { NOW, PASSWORD, webClient } from '../helpers/tollgate.ts';
import { authenticatorView } from '../../src/management/authenticators.ts';

async function enrolled(tg: ManagedTollgate, userId: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    const [type, channel] = id.startsWith('email') ? ['oob', 'email'] as const : [id.startsWith('totp') ? 'otp' : 'recovery-code', null] as const;
    await tg.store.mfa.addAuthenticator({
      id, user_id: userId, type, oob_channel: channel, address: channel ? 'alice@example.com' : null, secret: 'sealed', created_at: NOW, activated_at: NOW,
    });
  }
}

const login = (tg: ManagedTollgate) => tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: webClient });

test('GET /users/{id}/authenticators lists them without secrets, addresses masked; DELETE resets MFA, so the password alone logs in again', async (t) => {
  const tg = await startManaged(t, withMfa('if_enrolled'));
  const id = (await tg.store.users.findUserByLogin('customers', 'alice'))!.id;
  await enrolled(tg, id, ['totp|dev_1', 'email|dev_2']);
  assert.equal((await login(tg)).body.error, 'mfa_required', 'an enrolled user needs a second factor');

  const listed = await tg.call('GET', `/users/${id}/authenticators`);
  assert.equal(listed.status, 200);
  const views = z.array(authenticatorView.strict()).parse(listed.body);
  assert.deepEqual(views.map((a) => [a.id, a.authenticator_type, a.active]), [['email|dev_2', 'oob', true], ['totp|dev_1', 'otp', true]]);
  assert.ok(!JSON.stringify(listed.body).includes('sealed') && !JSON.stringify(listed.body).includes('alice@example.com'));

  assert.equal((await tg.call('DELETE', `/users/${id}/authenticators`)).status, 204);
  assert.deepEqual((await tg.call('GET', `/users/${id}/authenticators`)).body, []);
  assert.equal((await login(tg)).status, 200, 'with none left, if_enrolled asks for the password only');
  const [event] = await tg.store.events.listEvents({ type: 'mfa.authenticator_deleted', limit: 1 });
  assert.deepEqual([event?.reason, event?.user_id, event?.client_id], ['all', id, 'ops']);
});

test('DELETE /users/{id}/authenticators/{authenticator_id} removes one; an unknown one or user is 404; a read-only token is 403', async (t) => {
  const tg = await startManaged(t, withMfa('if_enrolled'));
  const id = (await tg.store.users.findUserByLogin('customers', 'alice'))!.id;
  await enrolled(tg, id, ['totp|dev_1', 'recovery-code|dev_2']);
  assert.equal((await tg.call('DELETE', `/users/${id}/authenticators/${encodeURIComponent('totp|dev_1')}`)).status, 204);
  assert.deepEqual((await tg.call('GET', `/users/${id}/authenticators`)).body.map((a: { id: string }) => a.id), ['recovery-code|dev_2']);
  assert.equal((await tg.call('DELETE', `/users/${id}/authenticators/${encodeURIComponent('totp|dev_1')}`)).status, 404);
  assert.equal((await tg.call('GET', '/users/nobody/authenticators')).status, 404);
  const readOnly = await tg.managementToken(['read:users']);
  assert.equal((await tg.call('DELETE', `/users/${id}/authenticators`, { token: readOnly })).status, 403);
});

test('deleting a user removes their authenticators too', async (t) => {
  const tg = await startManaged(t, withMfa('if_enrolled'));
  const id = (await tg.store.users.findUserByLogin('customers', 'alice'))!.id;
  await enrolled(tg, id, ['totp|dev_1']);
  await tg.call('DELETE', `/users/${id}`);
  assert.deepEqual(await tg.store.mfa.listAuthenticators(id), []);
});
