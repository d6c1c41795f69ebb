/** /api/v2/users and /api/v2/users/{id}/blocks: users managed over HTTP, with immediate effect on logins. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startManaged, type ManagedTollgate } from '../helpers/management.ts';
import { NOW, PASSWORD, basicAuth, webClient } from '../helpers/tollgate.ts';
import { userView } from '../../src/management/users.ts';
import { blocksView } from '../../src/management/blocks.ts';

const strictUser = userView.strict();
const carol = { connection: 'customers', username: 'Carol', email: 'carol@example.com', password: 'tulip-Mosaic-47' };

function login(tg: ManagedTollgate, username: string, password: string, more: Record<string, string> = {}) {
  return tg.token({ grant_type: 'password', username, password, ...more }, { basic: webClient });
}

async function idOf(tg: ManagedTollgate, connection: string, username: string): Promise<string> {
  return (await tg.store.users.findUserByLogin(connection, username))!.id;
}

/** alice with a refresh token, then two wrong passwords, on a server that blocks after `threshold` failures; returns her session. */
async function sessionThenTwoFailures(t: { after(fn: () => Promise<void>): void }, threshold: number) {
  const tg = await startManaged(t, (c) => {
    const web = c.clients!.find((x) => x.client_id === 'web')!;
    web.grant_types!.push('refresh_token');
    web.introspection = true;
    c.attack_protection = { brute_force: { threshold } };
  });
  const session = await login(tg, 'alice', PASSWORD, { scope: 'openid offline_access' });
  await login(tg, 'alice', 'wrong-1');
  await login(tg, 'alice', 'wrong-2');
  const refresh = () => tg.token({ grant_type: 'refresh_token', refresh_token: session.body.refresh_token }, { basic: webClient });
  return { tg, refresh, accessToken: session.body.access_token as string, id: await idOf(tg, 'customers', 'alice') };
}

/** The status /userinfo answers an access token with: 200, or 401 once it is revoked. */
async function userinfoStatus(tg: ManagedTollgate, accessToken: string): Promise<number> {
  return (await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${accessToken}` } })).statusCode;
}

async function lastEvent(tg: ManagedTollgate, type: Parameters<ManagedTollgate['store']['events']['listEvents']>[0]['type']) {
  return (await tg.store.events.listEvents({ type, limit: 1 }))[0];
}

test('POST /users creates a user who can log in at once; the answer never holds the password or its hash; user.created is recorded', async (t) => {
  const tg = await startManaged(t);
  const res = await tg.call('POST', '/users', { body: { ...carol, user_metadata: { theme: 'dark' } } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const user = strictUser.parse(res.body);
  assert.deepEqual([user.username, user.email, user.email_verified, user.blocked, user.user_metadata, user.created_at], ['Carol', 'carol@example.com', false, false, { theme: 'dark' }, NOW]);
  assert.ok(!JSON.stringify(res.body).includes('argon2') && !JSON.stringify(res.body).includes(carol.password));
  assert.match((await tg.store.users.getUser(user.user_id))!.password_hash, /^\$argon2id\$/);
  assert.equal((await login(tg, 'carol@example.com', carol.password)).status, 200);
  const event = await lastEvent(tg, 'user.created');
  assert.deepEqual([event?.client_id, event?.user_id, event?.username, event?.outcome], ['ops', user.user_id, 'Carol', 'success']);
  assert.ok(!tg.logs.join('').includes(carol.password), 'the password is never logged');
});

test('POST /users: each wrong or missing field is named (400 invalid_body); a taken username or email is 409 conflict', async (t) => {
  const tg = await startManaged(t);
  const missing = await tg.call('POST', '/users', { body: { connection: 'customers', email: 'not-an-email', colour: 'red' } });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errorCode, 'invalid_body');
  assert.deepEqual(missing.body.fields.map((f: { field: string }) => f.field).sort(), ['colour', 'email', 'password', 'username']);
  assert.match(missing.body.message, /email: .*; /);
  const unknown = await tg.call('POST', '/users', { body: { ...carol, connection: 'partners' } });
  assert.deepEqual([unknown.status, unknown.body.fields], [400, [{ field: 'connection', message: 'unknown connection "partners"' }]]);
  for (const taken of [{ username: 'ALICE' }, { username: 'other', email: 'Alice@Example.com' }]) {
    const res = await tg.call('POST', '/users', { body: { ...carol, ...taken } });
    assert.equal(res.status, 409, JSON.stringify(taken));
    assert.equal(res.body.errorCode, 'conflict');
  }
  const weak = await tg.call('POST', '/users', { body: { ...carol, password: 'carol-is-me' } });
  assert.deepEqual([weak.status, weak.body.errorCode, weak.body.fields], [400, 'password_policy', [
    { field: 'password', message: 'must not contain the username or email address (password_policy.no_personal_info)' },
  ]], 'the connection\'s password policy applies');
  assert.equal((await tg.call('POST', '/users', { body: carol })).status, 201);
  assert.equal((await tg.call('POST', '/users', { body: { ...carol, connection: 'employees' } })).status, 201, 'free in another connection');
});

test('GET /users lists and searches (connection, username, email; case-insensitive), pages, and counts with include_totals', async (t) => {
  const tg = await startManaged(t);
  const names = async (query: string) => {
    const res = await tg.call('GET', `/users${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { connection: string; username: string }[]).map((u) => `${u.connection}/${u.username}`);
  };
  assert.deepEqual(await names(''), ['customers/alice', 'customers/mallory', 'employees/alice']);
  assert.deepEqual(await names('?username=ALICE'), ['customers/alice', 'employees/alice']);
  assert.deepEqual(await names('?email=alice%40CORP.example.com'), ['employees/alice']);
  assert.deepEqual(await names('?connection=customers&per_page=1&page=1'), ['customers/mallory']);
  assert.deepEqual(await names('?connection=nowhere'), []);
  const totals = await tg.call('GET', '/users?connection=customers&per_page=1&include_totals=true');
  assert.deepEqual({ ...totals.body, users: totals.body.users.length }, { start: 0, limit: 1, length: 1, total: 2, users: 1 });
  for (const query of ['?per_page=0', '?per_page=101', '?page=-1', '?include_totals=maybe', '?page=x']) {
    const res = await tg.call('GET', `/users${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.body.errorCode, 'invalid_query_string');
  }
});

test('GET /users/{id}: one user; an unknown id is 404 not_found', async (t) => {
  const tg = await startManaged(t);
  const id = await idOf(tg, 'customers', 'alice');
  const res = await tg.call('GET', `/users/${id}`);
  assert.equal(res.status, 200);
  assert.equal(strictUser.parse(res.body).name, 'Alice Liddell');
  const missing = await tg.call('GET', '/users/nobody');
  assert.deepEqual([missing.status, missing.body.errorCode], [404, 'not_found']);
});

test('PATCH /users/{id}: profile fields change, null clears, metadata merges key by key; user.updated names the fields, not their values', async (t) => {
  const tg = await startManaged(t);
  const created = (await tg.call('POST', '/users', { body: { ...carol, app_metadata: { plan: 'free', roles: ['a'] } } })).body;
  tg.advance(5);
  const res = await tg.call('PATCH', `/users/${created.user_id}`, {
    body: { username: 'caroline', email: null, name: 'Caroline', app_metadata: { plan: 'pro', roles: null, since: 2026 } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const user = strictUser.parse(res.body);
  assert.deepEqual([user.username, user.email, user.name, user.app_metadata, user.updated_at], ['caroline', null, 'Caroline', { plan: 'pro', since: 2026 }, NOW + 5]);
  assert.equal((await login(tg, 'caroline', carol.password)).status, 200);
  assert.equal((await lastEvent(tg, 'user.updated'))?.reason, 'app_metadata,email,name,username');
  const empty = await tg.call('PATCH', `/users/${created.user_id}`, { body: {} });
  assert.equal(empty.body.updated_at, NOW + 5, 'an empty patch changes nothing');
});

test('PATCH /users/{id}: a bad field is 400 naming it; connection cannot change; a taken username is 409; an unknown id 404', async (t) => {
  const tg = await startManaged(t);
  const id = await idOf(tg, 'customers', 'alice');
  for (const [body, field] of [[{ connection: 'employees' }, 'connection'], [{ picture: 'ftp://x' }, 'picture'], [{ blocked: 'yes' }, 'blocked'], [{ password: '' }, 'password']] as const) {
    const res = await tg.call('PATCH', `/users/${id}`, { body });
    assert.deepEqual([res.status, res.body.fields?.[0]?.field], [400, field], JSON.stringify(body));
  }
  assert.equal((await tg.call('PATCH', `/users/${id}`, { body: { username: 'Mallory' } })).status, 409);
  assert.equal((await tg.store.users.getUser(id))?.username, 'alice');
  assert.equal((await tg.call('PATCH', '/users/nobody', { body: { name: 'x' } })).status, 404);
});

test('PATCH /users/{id} blocked: true refuses the next login and ends the user\'s refresh tokens and their access tokens; false lets them in again', async (t) => {
  const tg = await startManaged(t, (c) => { c.clients!.find((x) => x.client_id === 'web')!.grant_types!.push('refresh_token'); });
  const session = await login(tg, 'alice', PASSWORD, { scope: 'openid offline_access' });
  assert.ok(session.body.refresh_token);
  assert.equal(await userinfoStatus(tg, session.body.access_token), 200);
  const id = await idOf(tg, 'customers', 'alice');
  assert.equal((await tg.call('PATCH', `/users/${id}`, { body: { blocked: true } })).body.blocked, true);
  assert.equal(await userinfoStatus(tg, session.body.access_token), 401, 'RFC 7009 §2.1: the access token of the revoked family');
  assert.equal((await login(tg, 'alice', PASSWORD)).body.error_description, 'This user is blocked.');
  assert.equal((await tg.token({ grant_type: 'refresh_token', refresh_token: session.body.refresh_token }, { basic: webClient })).body.error, 'invalid_grant');
  await tg.call('PATCH', `/users/${id}`, { body: { blocked: false } });
  assert.equal((await login(tg, 'alice', PASSWORD)).status, 200);
  assert.equal((await tg.token({ grant_type: 'refresh_token', refresh_token: session.body.refresh_token }, { basic: webClient })).status, 400, 'revoked for good');
});

test('PATCH /users/{id} password: the new one works, the old one no longer; refresh tokens, their access tokens and brute-force blocks end; never logged', async (t) => {
  const { tg, refresh, accessToken, id } = await sessionThenTwoFailures(t, 2);
  assert.equal(await userinfoStatus(tg, accessToken), 200);
  assert.equal((await login(tg, 'alice', PASSWORD)).status, 429, 'blocked');
  const weak = await tg.call('PATCH', `/users/${id}`, { body: { password: 'password1', name: 'Not applied' } });
  assert.deepEqual([weak.status, weak.body.errorCode], [400, 'password_policy']);
  assert.equal((await tg.store.users.getUser(id))?.name, 'Alice Liddell', 'a refused password changes nothing, the rest of the patch included');
  const res = await tg.call('PATCH', `/users/${id}`, { body: { password: 'a-New-passw0rd' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal((await login(tg, 'alice', PASSWORD)).status, 400, 'the old password');
  assert.equal((await login(tg, 'alice', 'a-New-passw0rd')).status, 200, 'the new one, and the block is gone');
  assert.equal((await refresh()).body.error, 'invalid_grant');
  assert.equal(await userinfoStatus(tg, accessToken), 401, 'RFC 7009 §2.1: the access token of the revoked family');
  assert.deepEqual([(await lastEvent(tg, 'user.password_changed'))?.client_id, (await lastEvent(tg, 'brute_force.unblocked'))?.reason], ['ops', 'password_change']);
  assert.equal(await lastEvent(tg, 'user.updated'), undefined, 'a password alone is not a profile update');
  assert.ok(!tg.logs.join('').includes('a-New-passw0rd'));
});

test('DELETE /users/{id}: 204; the user can no longer log in or refresh, and a new user of that name starts with no failures', async (t) => {
  const { tg, refresh, accessToken, id } = await sessionThenTwoFailures(t, 3);
  const introspect = () => tg.app.inject({
    method: 'POST', url: '/oauth/introspect', headers: { authorization: basicAuth(...webClient), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token: accessToken }).toString(),
  });
  assert.equal((await introspect()).json().active, true);
  const res = await tg.call('DELETE', `/users/${id}`);
  assert.deepEqual([res.status, res.body], [204, undefined]);
  assert.equal((await tg.call('GET', `/users/${id}`)).status, 404);
  assert.equal((await tg.call('DELETE', `/users/${id}`)).status, 404);
  assert.equal((await login(tg, 'alice', PASSWORD)).status, 400);
  assert.equal((await refresh()).status, 400);
  assert.deepEqual((await introspect()).json(), { active: false }, 'RFC 7009 §2.1: the access token of the revoked family');
  assert.equal((await tg.call('POST', '/users', { body: { ...carol, username: 'alice', email: null } })).status, 201);
  await login(tg, 'alice', 'wrong-3');
  assert.equal((await login(tg, 'alice', carol.password)).status, 200, 'one failure, not three: the old counter went with the old user');
  assert.equal((await lastEvent(tg, 'user.deleted'))?.user_id, id);
});

test('GET and DELETE /users/{id}/blocks: the brute-force blocks on the account, cleared from every IP or one', async (t) => {
  const tg = await startManaged(t, (c) => { c.attack_protection = { brute_force: { threshold: 1 } }; });
  for (const remoteAddress of ['198.51.100.1', '198.51.100.2']) await tg.token({ grant_type: 'password', username: 'alice', password: 'wrong' }, { basic: webClient, remoteAddress });
  const id = await idOf(tg, 'customers', 'alice');
  const listed = await tg.call('GET', `/users/${id}/blocks`);
  assert.equal(listed.status, 200);
  assert.deepEqual(blocksView.strict().parse(listed.body).blocked_for.map((b) => [b.ip, b.failures, b.blocked_at, b.block_expires_at]), [
    ['198.51.100.1', 1, NOW, null], ['198.51.100.2', 1, NOW, null],
  ]);
  assert.equal((await tg.call('DELETE', `/users/${id}/blocks?ip=198.51.100.1`)).status, 204);
  assert.deepEqual((await tg.call('GET', `/users/${id}/blocks`)).body.blocked_for.map((b: { ip: string }) => b.ip), ['198.51.100.2']);
  const event = await lastEvent(tg, 'brute_force.unblocked');
  assert.deepEqual([event?.reason, event?.ip, event?.client_id, event?.user_id], ['operator', '198.51.100.1', 'ops', id]);
  await tg.call('DELETE', `/users/${id}/blocks`);
  assert.deepEqual((await tg.call('GET', `/users/${id}/blocks`)).body, { blocked_for: [] });
  assert.equal((await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: webClient, remoteAddress: '198.51.100.2' })).status, 200);
  assert.equal((await tg.call('GET', '/users/nobody/blocks')).status, 404);
  assert.equal((await tg.call('DELETE', `/users/${id}/blocks?ip=1.2.3.4&colour=red`)).status, 400);
});
