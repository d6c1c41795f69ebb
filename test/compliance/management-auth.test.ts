/** The management API's protection (RFC 6750): client_credentials tokens for {issuer}/api/v2/, one scope per operation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGEMENT, OPS_SECRET, startManaged } from '../helpers/management.ts';
import { API, PASSWORD, basicAuth, webClient } from '../helpers/tollgate.ts';
import { OPERATIONS } from '../../src/management/routes/index.ts';

function assertChallenge(res: { status: number; headers: Record<string, unknown>; body: any }, status: number, error: string | undefined): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const challenge = String(res.headers['www-authenticate']);
  assert.match(challenge, /^Bearer realm="tollgate"/, 'RFC 6750 §3');
  if (error) assert.match(challenge, new RegExp(`error="${error}"`));
  // RFC 6750 §3.1: no error code in the challenge for a request that sent no token; the body is Auth0's shape.
  assert.equal(res.body.errorCode, error ?? 'missing_authentication');
  assert.equal(res.body.statusCode, status);
}

test('the management API exists without being declared: a client granted its scopes gets a token for {issuer}/api/v2/', async (t) => {
  const tg = await startManaged(t, () => {}, ['read:users', 'read:logs']);
  const res = await tg.token({ grant_type: 'client_credentials', audience: MANAGEMENT }, { basic: ['ops', OPS_SECRET] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.scope, 'read:users read:logs');
  const api = await tg.store.apis.getApi(MANAGEMENT);
  assert.deepEqual(api?.scopes.includes('delete:users'), true, 'every management scope exists on the API');
  const discovery = await tg.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
  assert.ok(!discovery.json().scopes_supported.includes('read:users'), 'management scopes are not advertised to relying parties');
});

test('a user token is never issued for the management API, whatever the client may ask (403 access_denied)', async (t) => {
  const tg = await startManaged(t);
  const res = await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD, audience: MANAGEMENT, scope: 'read:users' }, { basic: webClient });
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.equal(res.body.error, 'access_denied');
});

test('RFC 6750 §3.1: no token is 401 with a bare challenge; a malformed, foreign-audience, user or revoked token is 401 invalid_token', async (t) => {
  const tg = await startManaged(t, (c) => { c.clients!.find((x) => x.client_id === 'web')!.grant_types!.push('client_credentials'); c.clients!.find((x) => x.client_id === 'web')!.api_grants = { [API]: ['read:items'] }; });
  const none = await tg.call('GET', '/users', { token: null });
  assertChallenge(none, 401, undefined);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="tollgate"');
  assertChallenge(await tg.call('GET', '/users', { token: 'not-a-jwt' }), 401, 'invalid_token');
  assertChallenge(await tg.call('GET', '/users', { headers: { authorization: basicAuth('ops', OPS_SECRET) }, token: null }), 401, 'invalid_token');

  const otherApi = await tg.token({ grant_type: 'client_credentials', audience: API }, { basic: webClient });
  assertChallenge(await tg.call('GET', '/users', { token: otherApi.body.access_token }), 401, 'invalid_token');
  const userToken = await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid' }, { basic: webClient });
  assertChallenge(await tg.call('GET', '/users', { token: userToken.body.access_token }), 401, 'invalid_token');

  const token = await tg.managementToken();
  assert.equal((await tg.call('GET', '/users', { token })).status, 200);
  const revoked = await tg.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { authorization: basicAuth('ops', OPS_SECRET), 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${token}` });
  assert.equal(revoked.statusCode, 200);
  assertChallenge(await tg.call('GET', '/users', { token }), 401, 'invalid_token');
  const expiring = await tg.managementToken();
  tg.advance(600);
  assertChallenge(await tg.call('GET', '/users', { token: expiring }), 401, 'invalid_token');
});

test('RFC 6750 §3.1: every operation needs its scope: 403 insufficient_scope naming it in the challenge, and nothing changes', async (t) => {
  const tg = await startManaged(t);
  const readOnly = await tg.managementToken(['read:users']);
  for (const op of OPERATIONS.filter((o) => o.scope !== 'read:users')) {
    const path = op.path.replace(/:\w+/g, 'x');
    const res = await tg.call(op.method, path, { token: readOnly, body: op.body ? {} : undefined });
    assertChallenge(res, 403, 'insufficient_scope');
    assert.match(String(res.headers['www-authenticate']), new RegExp(`scope="${op.scope}"`), `${op.method} ${op.path}`);
  }
  assert.equal((await tg.call('GET', '/users', { token: readOnly })).status, 200);
  assert.equal((await tg.store.users.listUsers({ limit: 100, offset: 0 })).length, 3, 'no write went through');
});

test('scopes are checked against the client\'s grant as it is now: a token keeps only scopes the client is still granted', async (t) => {
  const tg = await startManaged(t);
  const token = await tg.managementToken(['read:users', 'delete:users']);
  const ops = (await tg.store.clients.getClient('ops'))!;
  await tg.store.configured.syncClients([{ ...ops, api_grants: { [MANAGEMENT]: ['read:users'] } }]);
  assert.equal((await tg.call('GET', '/users', { token })).status, 200);
  assertChallenge(await tg.call('DELETE', '/users/whoever', { token }), 403, 'insufficient_scope');
  await tg.store.configured.syncClients([{ ...ops, api_grants: {} }]);
  assertChallenge(await tg.call('GET', '/users', { token }), 401, 'invalid_token');
});

test('bodies are JSON only; malformed JSON, __proto__ keys, unknown query parameters and other methods are clear 4xx errors', async (t) => {
  const tg = await startManaged(t);
  const form = await tg.call('POST', '/users', { body: 'username=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 400);
  assert.equal(form.body.message, 'The Content-Type must be application/json.');
  for (const body of ['{"username":', '{"__proto__":{"x":1}}', '[]']) {
    const res = await tg.call('POST', '/users', { body });
    assert.equal(res.status, 400, body);
    assert.match(res.body.errorCode, /^invalid_(request|body)$/);
  }
  const big = await tg.call('POST', '/users', { body: { user_metadata: { blob: 'x'.repeat(70_000) } } });
  assert.equal(big.status, 400);
  assert.equal(big.body.message, 'The request body is larger than 64 KiB.');
  const typo = await tg.call('GET', '/users?per-page=5');
  assert.equal(typo.status, 400);
  assert.deepEqual([typo.body.errorCode, typo.body.fields], ['invalid_query_string', [{ field: 'per-page', message: 'unknown key' }]]);
  const wrongMethod = await tg.call('PUT', '/users');
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.allow, 'GET, POST');
  assert.equal((await tg.call('GET', '/nothing-here')).status, 404);
});
