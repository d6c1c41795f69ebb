/** Token revocation (RFC 7009) and token introspection (RFC 7662), and how they show in discovery and housekeeping. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { API, ISSUER, NOW, PASSWORD, REALM_GRANT, SECRET, aliceLogin, basicAuth, startTollgate, webClient, type TestTollgate } from '../helpers/tollgate.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/config/load.ts';
import { findPresented } from '../../src/tokens/refresh.ts';

const RS_SECRET = 'resource-server-secret-0123456789-abcdefghij';
/** A resource server: confidential, allowed to introspect. */
const rsClient: [string, string] = ['rs', RS_SECRET];

interface Res { status: number; headers: Record<string, unknown>; body: any; raw: string }

function clientOf(c: ConfigInput, id: string) {
  const found = c.clients!.find((client) => client.client_id === id);
  assert.ok(found, `client ${id} is configured`);
  return found;
}

async function start(t: TestContext, modify: (c: ConfigInput) => void = () => {}): Promise<TestTollgate> {
  const tg = await startTollgate((c) => {
    const web = clientOf(c, 'web');
    web.grant_types = [...web.grant_types!, 'refresh_token'];
    web.introspection = true;
    const mobile = clientOf(c, 'mobile');
    mobile.grant_types = [...mobile.grant_types!, 'refresh_token'];
    c.clients!.push({ client_id: 'rs', client_secret: RS_SECRET, grant_types: ['client_credentials'], introspection: true, api_grants: { [API]: ['read:items'] } });
    modify(c);
  });
  t.after(() => tg.close());
  return tg;
}

async function call(tg: TestTollgate, url: string, params: Record<string, string>, basic: [string, string] | null, method: 'POST' | 'GET' = 'POST'): Promise<Res> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = basicAuth(...basic);
  const res = await tg.app.inject({ method, url, headers, ...(method === 'POST' ? { payload: new URLSearchParams(params).toString() } : {}) });
  return { status: res.statusCode, headers: res.headers, raw: res.body, body: res.body === '' ? undefined : res.json() };
}

/** `basic: null` sends no Authorization header (credentials in the body, or none). */
const revoke = (tg: TestTollgate, params: Record<string, string>, basic: [string, string] | null = webClient) => call(tg, '/oauth/revoke', params, basic);
const introspect = (tg: TestTollgate, params: Record<string, string>, basic: [string, string] | null = rsClient) => call(tg, '/oauth/introspect', params, basic);

/** alice through web, with a refresh token. */
async function login(tg: TestTollgate, params: Record<string, string> = {}) {
  const res = await tg.token({ ...aliceLogin, scope: 'openid offline_access', ...params }, { basic: webClient });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { access_token: string; refresh_token: string; id_token?: string; scope: string };
}

async function mobileLogin(tg: TestTollgate) {
  const res = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: PASSWORD, scope: 'openid offline_access' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { access_token: string; refresh_token: string };
}

function refresh(tg: TestTollgate, refreshToken: string) {
  return tg.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, { basic: webClient });
}

function userinfo(tg: TestTollgate, accessToken: string) {
  return tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${accessToken}` } });
}

function assertRevoked(res: Res): void {
  assert.equal(res.status, 200, res.raw);
  assert.equal(res.raw, '', 'RFC 7009 §2.2: the content of the response body is ignored; Tollgate sends none');
}

function assertInactive(res: Res, why: string): void {
  assert.equal(res.status, 200, `${why}: ${res.raw}`);
  assert.deepEqual(res.body, { active: false }, `${why}: exactly {"active":false}`);
}

// RFC 7009: revocation

test('RFC 7009 §2.1: revoking a refresh token revokes its whole family', async (t) => {
  const tg = await start(t);
  const { refresh_token: a } = await login(tg);
  const rotated = await refresh(tg, a);
  assert.equal(rotated.status, 200);
  const b = rotated.body.refresh_token as string;

  const res = await revoke(tg, { token: b, token_type_hint: 'refresh_token' });
  assertRevoked(res);
  assert.equal(res.headers['cache-control'], 'no-store');
  for (const token of [a, b]) assert.equal((await findPresented(tg.store.refreshFamilies, token))?.family.revoked_at, NOW, 'every token of the family');
  const after = await refresh(tg, b);
  assert.equal(after.status, 400);
  assert.equal(after.body.error, 'invalid_grant');
  assertInactive(await introspect(tg, { token: b }, webClient), 'a revoked refresh token');

  const { refresh_token: c } = await login(tg);
  assertRevoked(await revoke(tg, { token: c }));
  assert.equal((await refresh(tg, c)).body.error, 'invalid_grant', 'without a hint too');
  assertRevoked(await revoke(tg, { token: c }));

  // A token its family has moved past still names the family: revoking it takes the family, as reusing it would.
  const { refresh_token: d } = await login(tg);
  const e = (await refresh(tg, d)).body.refresh_token as string;
  assertRevoked(await revoke(tg, { token: d }));
  assert.equal((await refresh(tg, e)).body.error, 'invalid_grant', 'revoking the consumed token took its successor');
});

test('RFC 7009 §2.1: revoking an access token: /userinfo answers 401 invalid_token and introspection says inactive', async (t) => {
  const tg = await start(t);
  const { access_token } = await login(tg, { scope: 'openid profile' });
  assert.equal((await userinfo(tg, access_token)).statusCode, 200);
  assert.equal((await introspect(tg, { token: access_token })).body.active, true);

  assertRevoked(await revoke(tg, { token: access_token, token_type_hint: 'access_token' }));
  const denied = await userinfo(tg, access_token);
  assert.equal(denied.statusCode, 401);
  assert.equal(denied.json().error, 'invalid_token');
  assert.match(String(denied.headers['www-authenticate']), /error="invalid_token"/);
  assertInactive(await introspect(tg, { token: access_token }), 'a revoked access token');
  assertRevoked(await revoke(tg, { token: access_token }));

  const other = await login(tg, { scope: 'openid' });
  assert.equal((await userinfo(tg, other.access_token)).statusCode, 200, 'other access tokens are unaffected');
});

/** The access token is valid at /userinfo (200) and active at introspection, or neither (401 invalid_token, {active:false}). */
async function assertAccessToken(tg: TestTollgate, accessToken: string, valid: boolean, why: string): Promise<void> {
  const res = await userinfo(tg, accessToken);
  assert.equal(res.statusCode, valid ? 200 : 401, `${why}: /userinfo ${res.body}`);
  if (!valid) assert.equal(res.json().error, 'invalid_token', why);
  const introspected = await introspect(tg, { token: accessToken });
  if (valid) assert.equal(introspected.body.active, true, `${why}: introspection`);
  else assertInactive(introspected, why);
}

test('RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens based on the same grant (its family\'s): inactive at introspection, 401 at /userinfo; another family of the same user stays valid', async (t) => {
  const tg = await start(t);
  const first = await login(tg);
  const rotated = await refresh(tg, first.refresh_token);
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  const second = await login(tg);
  const withoutFamily = await login(tg, { scope: 'openid' });
  assert.equal(withoutFamily.refresh_token, undefined);
  for (const token of [first.access_token, rotated.body.access_token, second.access_token, withoutFamily.access_token]) {
    await assertAccessToken(tg, token, true, 'before the revocation');
  }

  assertRevoked(await revoke(tg, { token: rotated.body.refresh_token, token_type_hint: 'refresh_token' }));
  await assertAccessToken(tg, first.access_token, false, 'the login\'s access token, issued with the family');
  await assertAccessToken(tg, rotated.body.access_token, false, 'an access token issued from the family by a refresh');
  await assertAccessToken(tg, second.access_token, true, 'another family of the same user');
  await assertAccessToken(tg, withoutFamily.access_token, true, 'an access token of a login without a refresh token');
  assert.equal((await refresh(tg, second.refresh_token)).status, 200, 'and the other family still refreshes');
});

test('RFC 7009 §2.1: the access tokens carry their family\'s sid, the same across rotations, which does not reveal the stored family id', async (t) => {
  const tg = await start(t);
  const first = await login(tg);
  const rotated = await refresh(tg, first.refresh_token);
  const second = await login(tg);
  const sid = decodeJwt(first.access_token).sid;
  assert.equal(typeof sid, 'string');
  assert.equal(decodeJwt(rotated.body.access_token).sid, sid, 'a refresh keeps the family');
  assert.notEqual(decodeJwt(second.access_token).sid, sid, 'another login, another family');
  assert.equal(decodeJwt((await login(tg, { scope: 'openid' })).access_token).sid, undefined, 'no family, no sid');
  const familyId = (await findPresented(tg.store.refreshFamilies, first.refresh_token))!.family.family_id;
  assert.ok(!first.access_token.includes(familyId) && !JSON.stringify(decodeJwt(first.access_token)).includes(familyId));
});

test('RFC 7009 §2.1: a revoked family\'s access tokens stay refused until the longest access-token lifetime has passed, then a purge removes the entry', async (t) => {
  const tg = await start(t, (c) => { c.apis![1]!.access_token_ttl = 3600; });
  const { access_token, refresh_token } = await login(tg);
  const denial = { jti: 'any', sid: decodeJwt(access_token).sid as string };
  assertRevoked(await revoke(tg, { token: refresh_token }));
  tg.advance(599);
  await assertAccessToken(tg, access_token, false, 'a second before it expires');
  await tg.store.purge(NOW + 3600 + 59);
  assert.equal(await tg.store.denylist.isAccessTokenDenied(denial), true, 'kept for the longest lifetime of any API (3600 s) and a margin');
  await tg.store.purge(NOW + 3600 + 60);
  assert.equal(await tg.store.denylist.isAccessTokenDenied(denial), false);
});

test('RFC 7009 §2.1: revoking a refresh token leaves its client able to log in again and other families alive', async (t) => {
  const tg = await start(t);
  const one = await login(tg);
  const two = await login(tg);
  assertRevoked(await revoke(tg, { token: one.refresh_token }));
  assert.equal((await refresh(tg, two.refresh_token)).status, 200);
});

test('RFC 7009 §2.2: an unknown, malformed or already purged token gets 200', async (t) => {
  const tg = await start(t);
  for (const token of ['A'.repeat(43), 'garbage', 'eyJhbGciOiJub25lIn0.e30.', 'x'.repeat(2000)]) {
    assertRevoked(await revoke(tg, { token }));
  }
  const { refresh_token } = await login(tg);
  assertRevoked(await revoke(tg, { token: refresh_token }));
  assert.equal(await tg.store.purge(NOW), 1);
  assertRevoked(await revoke(tg, { token: refresh_token }));
});

test('RFC 7009 §2.1: a token issued to another client is refused with 400 unauthorized_client and stays valid', async (t) => {
  const tg = await start(t);
  const mobile = await mobileLogin(tg);
  const byWeb = await revoke(tg, { token: mobile.refresh_token });
  assert.equal(byWeb.status, 400, byWeb.raw);
  assert.equal(byWeb.body.error, 'unauthorized_client');
  assert.equal((await findPresented(tg.store.refreshFamilies, mobile.refresh_token))?.family.revoked_at, null);

  const web = await login(tg);
  const byPost = await revoke(tg, { token: web.access_token, client_id: 'post', client_secret: SECRET }, null);
  assert.equal(byPost.status, 400, byPost.raw);
  assert.equal(byPost.body.error, 'unauthorized_client');
  assert.equal((await introspect(tg, { token: web.access_token })).body.active, true, 'the access token still works');
  const byMobile = await revoke(tg, { token: web.refresh_token, client_id: 'mobile' }, null);
  assert.equal(byMobile.body.error, 'unauthorized_client');
  assert.equal((await refresh(tg, web.refresh_token)).status, 200, 'the refresh token still works');

  const own = await revoke(tg, { token: mobile.refresh_token, client_id: 'mobile' }, null);
  assertRevoked(own);
  const dead = await tg.token({ grant_type: 'refresh_token', client_id: 'mobile', refresh_token: mobile.refresh_token });
  assert.equal(dead.body.error, 'invalid_grant', 'a public client revokes its own token with its client_id alone');
});

test('RFC 7009 §2.1: the client authenticates as at the token endpoint', async (t) => {
  const tg = await start(t);
  const { refresh_token } = await login(tg);
  const anonymous = await revoke(tg, { token: refresh_token }, null);
  assert.equal(anonymous.status, 400, anonymous.raw);
  assert.equal(anonymous.body.error, 'invalid_client');
  const wrongSecret = await revoke(tg, { token: refresh_token }, ['web', 'not-the-secret']);
  assert.equal(wrongSecret.status, 401);
  assert.equal(wrongSecret.body.error, 'invalid_client');
  assert.match(String(wrongSecret.headers['www-authenticate']), /^Basic /);
  const wrongSecretInBody = await revoke(tg, { token: refresh_token, client_id: 'web', client_secret: 'not-the-secret' }, null);
  assert.equal(wrongSecretInBody.body.error, 'invalid_client');
  const wrongMethod = await revoke(tg, { token: refresh_token, client_id: 'web' }, null);
  assert.equal(wrongMethod.body.error, 'invalid_client', 'web is registered for client_secret_basic');
  const unknown = await revoke(tg, { token: refresh_token }, ['nobody', SECRET]);
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body.error, 'invalid_client');
  assert.equal((await findPresented(tg.store.refreshFamilies, refresh_token))?.family.revoked_at, null, 'nothing was revoked');
  assertRevoked(await revoke(tg, { token: refresh_token }));
});

test('RFC 7009 §2.1: a request without a token is invalid_request', async (t) => {
  const tg = await start(t);
  const res = await revoke(tg, { token_type_hint: 'refresh_token' });
  assert.equal(res.status, 400);
  assert.equal(res.body.error, 'invalid_request');
  const anonymous = await revoke(tg, {}, null);
  assert.equal(anonymous.body.error, 'invalid_client', 'client authentication comes first');
});

test('RFC 7009 §2.1: token_type_hint is only a hint: a wrong or unknown hint still finds the token', async (t) => {
  const tg = await start(t);
  const one = await login(tg);
  assertRevoked(await revoke(tg, { token: one.refresh_token, token_type_hint: 'access_token' }));
  assert.equal((await refresh(tg, one.refresh_token)).body.error, 'invalid_grant');
  assertRevoked(await revoke(tg, { token: one.access_token, token_type_hint: 'refresh_token' }));
  assertInactive(await introspect(tg, { token: one.access_token }), 'revoked under the wrong hint');

  const two = await login(tg);
  assertRevoked(await revoke(tg, { token: two.refresh_token, token_type_hint: 'id_token' }));
  assert.equal((await refresh(tg, two.refresh_token)).body.error, 'invalid_grant');
  assertRevoked(await revoke(tg, { token: two.access_token, token_type_hint: 'something_else' }));
  assertInactive(await introspect(tg, { token: two.access_token }), 'revoked under an unknown hint');
});

test('RFC 7009 §2.1 / RFC 7662 §2.1: the endpoints take POST only; GET gets 405 with Allow', async (t) => {
  const tg = await start(t);
  const { access_token } = await login(tg);
  for (const url of ['/oauth/revoke', '/oauth/introspect']) {
    const res = await call(tg, `${url}?token=${access_token}`, {}, rsClient, 'GET');
    assert.equal(res.status, 405, `${url}: ${res.raw}`);
    assert.equal(res.headers.allow, 'POST');
  }
  assert.equal((await introspect(tg, { token: access_token })).body.active, true, 'the GET revoked nothing');
});

test('RFC 7009 §2: the access token denylist entry lasts until the token expires, then a purge removes it', async (t) => {
  const tg = await start(t);
  const { access_token } = await login(tg, { scope: 'openid' });
  const exp = decodeJwt(access_token).exp!;
  assertRevoked(await revoke(tg, { token: access_token }));
  assert.equal(await tg.store.purge(exp - 1), 0, 'kept while the token could still verify');
  assert.equal(await tg.store.denylist.isAccessTokenDenied({ jti: decodeJwt(access_token).jti! }), true);
  tg.advance(exp - NOW - 1);
  assert.equal((await userinfo(tg, access_token)).statusCode, 401, 'still refused a second before it expires');
  assert.equal(await tg.store.purge(exp), 1, 'the expired entry goes');
  assert.equal(await tg.store.denylist.isAccessTokenDenied({ jti: decodeJwt(access_token).jti! }), false);
  tg.advance(1);
  assert.equal((await userinfo(tg, access_token)).statusCode, 401, 'and the token is expired anyway');
});

// RFC 7662: introspection

test('RFC 7662 §2.1: only clients registered with introspection may introspect; others get 400 unauthorized_client', async (t) => {
  const tg = await start(t);
  const { access_token } = await login(tg);
  const res = await introspect(tg, { token: access_token, client_id: 'post', client_secret: SECRET }, null);
  assert.equal(res.status, 400, res.raw);
  assert.equal(res.body.error, 'unauthorized_client');
  assert.equal(res.body.active, undefined, 'nothing about the token');
});

test('RFC 7662 §2.1, §2.3: introspection requires client authentication (401 invalid_client with a challenge otherwise)', async (t) => {
  const tg = await start(t);
  const { access_token } = await login(tg);
  const anonymous = await introspect(tg, { token: access_token }, null);
  assert.equal(anonymous.status, 401, anonymous.raw);
  assert.equal(anonymous.body.error, 'invalid_client');
  assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm="tollgate"/, 'RFC 6749 §5.2 challenge');
  assert.equal(anonymous.body.active, undefined);
  const unknownInBody = await introspect(tg, { token: access_token, client_id: 'nobody', client_secret: 'x' }, null);
  assert.equal(unknownInBody.status, 401, 'credentials in the body are answered 401 here too');
  assert.match(String(unknownInBody.headers['www-authenticate']), /^Basic /);
  const asPublic = await introspect(tg, { token: access_token, client_id: 'mobile' }, null);
  assert.equal(asPublic.body.error, 'unauthorized_client', 'a public client is not an introspection caller');
  const wrongSecret = await introspect(tg, { token: access_token }, ['rs', 'not-the-secret']);
  assert.equal(wrongSecret.status, 401);
  assert.equal(wrongSecret.body.error, 'invalid_client');
  const missing = await introspect(tg, {});
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error, 'invalid_request');
});

test('RFC 7662 §2.1: a public client cannot be registered for introspection (it could not authenticate)', async () => {
  await assert.rejects(
    startTollgate((c) => { clientOf(c, 'mobile').introspection = true; }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.problems.some((p) => p.startsWith('clients[2].introspection')), err.message);
      return true;
    },
  );
});

test('RFC 7662 §2.2: an active access token: active, scope, client_id, sub, aud, iss, exp, iat and token_type', async (t) => {
  const tg = await start(t);
  const { access_token } = await login(tg, { audience: API, scope: 'openid read:items' });
  const claims = decodeJwt(access_token);
  const res = await introspect(tg, { token: access_token, token_type_hint: 'access_token' });
  assert.equal(res.status, 200, res.raw);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.deepEqual(res.body, {
    active: true,
    scope: 'openid read:items',
    client_id: 'web',
    sub: claims.sub,
    aud: claims.aud,
    iss: ISSUER,
    exp: NOW + 600,
    iat: NOW,
    token_type: 'Bearer',
  });
  assert.ok(Array.isArray(res.body.aud) && res.body.aud.includes(API));
  const byWeb = await introspect(tg, { token: access_token }, webClient);
  assert.equal(byWeb.body.active, true, 'any introspection client may introspect access tokens');
  const wrongHint = await introspect(tg, { token: access_token, token_type_hint: 'refresh_token' });
  assert.equal(wrongHint.body.active, true, 'a wrong hint still finds it');
});

test('RFC 7662 §2.2: expired, revoked, unknown and malformed tokens are exactly {"active":false}', async (t) => {
  const tg = await start(t);
  const expiring = await login(tg);
  const revoked = await login(tg);
  assertRevoked(await revoke(tg, { token: revoked.access_token }));
  assertInactive(await introspect(tg, { token: revoked.access_token }), 'revoked');
  for (const token of ['A'.repeat(43), 'garbage', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', `${expiring.access_token}x`]) {
    assertInactive(await introspect(tg, { token }), `unknown or malformed: ${token.slice(0, 20)}`);
  }
  assertInactive(await introspect(tg, { token: expiring.id_token! }), 'an ID token is not an access token');

  tg.advance(599);
  assert.equal((await introspect(tg, { token: expiring.access_token })).body.active, true, 'one second before exp');
  tg.advance(1);
  assertInactive(await introspect(tg, { token: expiring.access_token }), 'expired (now = exp)');
});

test('RFC 7662 §2.2: a live refresh token is active for its own client only, and inactive once consumed', async (t) => {
  const tg = await start(t);
  const { refresh_token: a, access_token } = await login(tg, { audience: API, scope: 'openid offline_access read:items' });
  const res = await introspect(tg, { token: a, token_type_hint: 'refresh_token' }, webClient);
  assert.equal(res.status, 200, res.raw);
  assert.deepEqual(res.body, {
    active: true,
    scope: 'openid offline_access read:items',
    client_id: 'web',
    sub: decodeJwt(access_token).sub,
    aud: API,
    iss: ISSUER,
    exp: NOW + 1_296_000,
    iat: NOW,
    token_type: 'refresh_token',
  });
  assert.equal((await introspect(tg, { token: a }, webClient)).body.active, true, 'without a hint too');
  assertInactive(await introspect(tg, { token: a, token_type_hint: 'refresh_token' }), 'another introspection client');

  tg.advance(5);
  const rotated = await refresh(tg, a);
  assert.equal(rotated.status, 200);
  assertInactive(await introspect(tg, { token: a }, webClient), 'consumed');
  const b = rotated.body.refresh_token as string;
  const successor = await introspect(tg, { token: b }, webClient);
  assert.equal(successor.body.active, true);
  assert.equal(successor.body.iat, NOW + 5);
  assert.equal(successor.body.exp, NOW + 5 + 1_296_000);
  assert.equal((await refresh(tg, b)).status, 200, 'introspection does not consume');
});

test('RFC 7662 §2.2: a refresh token past its idle or absolute expiry is inactive', async (t) => {
  const tg = await start(t, (c) => { clientOf(c, 'web').refresh_token = { idle_ttl: 100, absolute_ttl: 150 }; });
  const { refresh_token: a } = await login(tg);
  tg.advance(99);
  assert.equal((await introspect(tg, { token: a }, webClient)).body.exp, NOW + 100);
  const b = (await refresh(tg, a)).body.refresh_token as string;
  assert.equal((await introspect(tg, { token: b }, webClient)).body.exp, NOW + 150, 'capped by the family expiry');
  tg.advance(51);
  assertInactive(await introspect(tg, { token: b }, webClient), 'family expired');
  const { refresh_token: c } = await login(tg);
  tg.advance(100);
  assertInactive(await introspect(tg, { token: c }, webClient), 'idle expired');
});

// Discovery

test('RFC 8414 §2 / RFC 7009 / RFC 7662: discovery lists the revocation and introspection endpoints and their auth methods', async (t) => {
  const tg = await start(t);
  const res = await tg.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  assert.equal(doc.revocation_endpoint, `${ISSUER}/oauth/revoke`);
  assert.equal(doc.introspection_endpoint, `${ISSUER}/oauth/introspect`);
  assert.deepEqual([...doc.revocation_endpoint_auth_methods_supported].sort(), ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'none', 'private_key_jwt']);
  assert.deepEqual([...doc.introspection_endpoint_auth_methods_supported].sort(), ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt'], 'introspection callers must authenticate');
  for (const grant of ['refresh_token', 'client_credentials']) assert.ok(doc.grant_types_supported.includes(grant), grant);
  assert.ok(doc.scopes_supported.includes('offline_access'));
});
