/**
 * The legacy POST {issuer}/oauth/ro against Auth0's "OIDC-Conformant Adoption: Resource Owner Password Flow":
 * its request, response and token shapes, the opaque access token good only at /userinfo, refresh tokens only for a
 * device, the Deprecation header (RFC 9745) on every answer, and the password grant's rules it shares: client
 * rules, realms, attack protection, MFA, events. Black-box over HTTP on a frozen clock.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { ConfigInput } from '../../src/config/schema.ts';
import { API, ISSUER, NOW, PASSWORD, SECRET, aliceLogin, basicAuth, start, webClient, type Res, type TestTollgate } from '../helpers/tollgate.ts';
import { MFA_OTP, mfaApi, webInBody, withMfa } from '../helpers/mfa.ts';
import { totpCode } from '../../src/mfa/totp.ts';
import { tokenHash } from '../../src/tokens/opaque.ts';
import { findPresented } from '../../src/tokens/refresh.ts';

const DEPRECATION = '@1499472000';
const RS_SECRET = 'resource-server-secret-0123456789-abcdefghij';
const USERINFO = `${ISSUER}/userinfo`;

/** Auth0's example legacy request, from a public client ("123" there, "legacy" here). */
const seedRequest = {
  grant_type: 'password', client_id: 'legacy', username: 'alice', password: PASSWORD, connection: 'customers',
  scope: 'openid email favorite_color offline_access', device: 'my-device-name',
};

/** /oauth/ro on, a public client that may refresh, a resource server that introspects; alice has a favourite colour. */
function legacy(more: (c: ConfigInput) => void = () => {}): (c: ConfigInput) => void {
  return (c) => {
    c.legacy = { resource_owner_endpoint: true };
    c.clients!.push(
      { client_id: 'legacy', token_endpoint_auth_method: 'none', grant_types: ['password', 'refresh_token'], connections: ['customers'] },
      { client_id: 'rs', client_secret: RS_SECRET, grant_types: ['client_credentials'], introspection: true, api_grants: { [API]: ['read:items'] } },
    );
    // email_verified and name in user_metadata are the user's own data: they must never pass for the claims.
    c.users![0]!.user_metadata = { favorite_color: 'blue', email_verified: false, name: 'Admin', shoe_size: 42 };
    more(c);
  };
}

/** POST /oauth/ro with a JSON body (or `raw` as given, with its content type). */
async function ro(tg: TestTollgate, body: unknown, opts: { headers?: Record<string, string>; raw?: string; contentType?: string } = {}): Promise<Res> {
  const res = await tg.app.inject({
    method: 'POST', url: '/oauth/ro',
    headers: { 'content-type': opts.contentType ?? 'application/json', ...opts.headers },
    payload: opts.raw ?? JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : res.json() };
}

/** GET /userinfo with a Bearer token. */
async function userinfo(tg: TestTollgate, token: string): Promise<Res> {
  const res = await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

async function form(tg: TestTollgate, url: string, params: Record<string, string>, basic?: [string, string]): Promise<Res> {
  const res = await tg.app.inject({
    method: 'POST', url, payload: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(basic ? { authorization: basicAuth(...basic) } : {}) },
  });
  return { status: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : res.json() };
}

/** An RFC 6749 §5.2 error of /oauth/ro: the status, the code, a description, and the Deprecation header. */
function assertError(res: Res, status: number, error: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['error', 'error_description'], JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.equal(res.headers.deprecation, DEPRECATION, 'RFC 9745: errors are marked deprecated too');
  assert.equal(res.headers['cache-control'], 'no-store');
}

async function seedLogin(tg: TestTollgate, overrides: Record<string, string> = {}): Promise<Res> {
  const res = await ro(tg, { ...seedRequest, ...overrides });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res;
}

async function startLegacy(t: TestContext, more?: (c: ConfigInput) => void): Promise<TestTollgate> {
  return start(t, legacy(more));
}

describe('Auth0\'s legacy request and response', () => {
  test('off by default: /oauth/ro answers 404 like any unknown path, for every method', async (t) => {
    const tg = await start(t);
    assert.equal(tg.config.legacy.resource_owner_endpoint, false);
    for (const method of ['POST', 'GET'] as const) {
      const res = await tg.app.inject({ method, url: '/oauth/ro', headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { payload: JSON.stringify(seedRequest) } : {}) });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json().error, 'not_found');
      assert.equal(res.headers.deprecation, undefined);
    }
  });

  test('the seed request (JSON, connection, device, a non-OIDC scope) answers access_token, token_type Bearer, refresh_token, expires_in, id_token', async (t) => {
    const tg = await startLegacy(t);
    const res = await seedLogin(tg);
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'id_token', 'refresh_token', 'token_type'], 'the legacy response has no scope member');
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.expires_in, 600, 'tokens.access_token_ttl');
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers.pragma, 'no-cache');
    assert.equal(res.headers.deprecation, DEPRECATION, 'RFC 9745 §2: deprecated since 8 July 2017');
    assert.equal(res.headers.link, undefined, 'no Link without legacy.deprecation_link');
  });

  test('a form-encoded body and Basic client authentication work too; the answer is the same shape', async (t) => {
    const tg = await startLegacy(t);
    const { client_id: _, ...rest } = seedRequest;
    const res = await form(tg, '/oauth/ro', rest, webClient);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'id_token', 'token_type'], 'web may not refresh: no refresh_token');
    assert.equal(res.headers.deprecation, DEPRECATION);
  });

  test('legacy ID token: sub, iss, aud, exp, iat, email, email_verified and the un-namespaced attribute a scope value named; RS256 for a public client', async (t) => {
    const tg = await startLegacy(t, (c) => { c.tokens = { signing_alg: 'ES256' }; });
    const { body } = await seedLogin(tg, { scope: 'openid email favorite_color email_verified name shoe_size unknown_attr' });
    assert.equal(decodeProtectedHeader(body.id_token).alg, 'RS256', 'forcibly RS256 for a public application, as Auth0 does');
    const claims = decodeJwt(body.id_token);
    const alice = (await tg.store.users.findUserByLogin('customers', 'alice'))!;
    assert.equal(claims.sub, alice.id);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, 'legacy');
    assert.equal(claims.iat, NOW);
    assert.equal(claims.exp, NOW + 3600);
    assert.equal(claims.email, 'alice@example.com');
    assert.equal(claims.email_verified, true, 'a standard claim is never taken from user_metadata');
    assert.equal(claims.favorite_color, 'blue', 'the legacy ID token: the attribute, un-namespaced');
    assert.equal(claims.shoe_size, 42);
    assert.equal('unknown_attr' in claims, false, 'an attribute the user lacks is left out, not an error');
    assert.equal(claims.name, undefined, 'profile was not asked for, and a standard claim is never taken from user_metadata');
  });

  test('attributes: a client restricted to a scope list gets only those it lists; without openid there is no ID token', async (t) => {
    const tg = await startLegacy(t, (c) => {
      c.clients!.push({ client_id: 'narrow', token_endpoint_auth_method: 'none', grant_types: ['password'], scope: 'openid email shoe_size' });
    });
    const { body } = await seedLogin(tg, { client_id: 'narrow', scope: 'openid email favorite_color shoe_size' });
    const claims = decodeJwt(body.id_token);
    assert.equal(claims.shoe_size, 42);
    assert.equal(claims.favorite_color, undefined);
    const plain = await seedLogin(tg, { scope: 'email favorite_color' });
    assert.equal(plain.body.id_token, undefined);
  });

  test('not an OpenID Connect endpoint: discovery does not advertise it, even when it is on', async (t) => {
    const tg = await startLegacy(t);
    const discovery = await tg.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
    assert.equal(discovery.statusCode, 200);
    assert.equal(discovery.body.includes('/oauth/ro'), false);
    assert.equal(discovery.json().token_endpoint, `${ISSUER}/oauth/token`);
  });

  test('default_audience plays no part: the login is for /userinfo alone, and so is what its refresh token gets', async (t) => {
    const tg = await startLegacy(t, (c) => { c.default_audience = API; });
    const { body } = await seedLogin(tg);
    const refreshed = await form(tg, '/oauth/token', { grant_type: 'refresh_token', client_id: 'legacy', refresh_token: body.refresh_token });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(decodeJwt(refreshed.body.access_token).aud, USERINFO);
  });
});

describe('the legacy opaque access token is only valid at /userinfo', () => {
  test('256 random bits, not a JWT, stored only as its SHA-256; /userinfo answers the OIDC scopes\' claims', async (t) => {
    const tg = await startLegacy(t);
    const { body } = await seedLogin(tg);
    const token: string = body.access_token;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url');
    assert.throws(() => decodeJwt(token));
    assert.notEqual(body.refresh_token, token);
    const stored = await tg.store.legacyTokens.findLegacyToken(tokenHash(token));
    assert.deepEqual(stored && { ...stored, user_id: 'x', sid: 'x' }, {
      id: tokenHash(token), client_id: 'legacy', user_id: 'x', scope: ['openid', 'email', 'offline_access'], created_at: NOW, expires_at: NOW + 600, sid: 'x',
    });
    assert.match(stored!.sid!, /^[\w-]{43}$/, 'issued with a refresh token: the family\'s sid, a SHA-256');
    assert.equal(await tg.store.legacyTokens.findLegacyToken(token), undefined, 'the token itself is not a key');
    const res = await userinfo(tg, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { sub: stored!.user_id, email: 'alice@example.com', email_verified: true });
  });

  test('refused as a bearer token everywhere else: the MFA API, the management API; as a DPoP token at /userinfo', async (t) => {
    const tg = await startLegacy(t, withMfa('if_enrolled'));
    const { body } = await seedLogin(tg, { client_id: 'web', client_secret: SECRET, scope: 'openid' });
    const token: string = body.access_token;
    const mfa = await mfaApi(tg, 'GET', '/mfa/authenticators', { bearer: token });
    assert.equal(mfa.status, 401, JSON.stringify(mfa.body));
    assert.equal(mfa.body.error, 'invalid_token');
    const management = await tg.app.inject({ method: 'GET', url: '/api/v2/users', headers: { authorization: `Bearer ${token}` } });
    assert.equal(management.statusCode, 401, management.body);
    const dpop = await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `DPoP ${token}` } });
    assert.equal(dpop.statusCode, 401, dpop.body);
    assert.equal((await userinfo(tg, token)).status, 200, 'while it still works where it is meant to');
  });

  test('it expires after expires_in, and the background purge removes it', async (t) => {
    const tg = await startLegacy(t);
    const { body } = await seedLogin(tg);
    tg.advance(599);
    assert.equal((await userinfo(tg, body.access_token)).status, 200);
    tg.advance(1);
    const expired = await userinfo(tg, body.access_token);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error, 'invalid_token');
    assert.ok(await tg.store.purge(NOW + 600) >= 1);
    assert.equal(await tg.store.legacyTokens.findLegacyToken(tokenHash(body.access_token)), undefined);
  });

  test('RFC 7009: its client revokes it at /oauth/revoke; RFC 7662: introspection reports it active for the userinfo audience until then', async (t) => {
    const tg = await startLegacy(t);
    const { body } = await seedLogin(tg);
    const token: string = body.access_token;
    const active = await form(tg, '/oauth/introspect', { token }, ['rs', RS_SECRET]);
    assert.equal(active.status, 200, JSON.stringify(active.body));
    assert.deepEqual({ ...active.body, sub: 'x' }, {
      active: true, scope: 'openid email offline_access', client_id: 'legacy', sub: 'x', aud: USERINFO, iss: ISSUER, exp: NOW + 600, iat: NOW, token_type: 'Bearer',
    });
    const foreign = await form(tg, '/oauth/revoke', { token }, ['rs', RS_SECRET]);
    assert.equal(foreign.status, 400, 'RFC 7009 §2.1: only its own client revokes it');
    assert.equal((await form(tg, '/oauth/revoke', { token, client_id: 'legacy' })).status, 200);
    assert.equal((await userinfo(tg, token)).status, 401);
    assert.deepEqual((await form(tg, '/oauth/introspect', { token }, ['rs', RS_SECRET])).body, { active: false });
  });
});

describe('a legacy refresh token only for a device that asked for offline_access', () => {
  test('no device, no offline_access, or a client that may not refresh: no refresh_token', async (t) => {
    const tg = await startLegacy(t);
    const { device: _, ...noDevice } = seedRequest;
    assert.equal((await seedLogin(tg, {})).body.refresh_token !== undefined, true);
    assert.equal((await ro(tg, noDevice)).body.refresh_token, undefined, 'offline_access without device');
    assert.equal((await seedLogin(tg, { scope: 'openid email' })).body.refresh_token, undefined, 'device without offline_access');
    assert.equal((await seedLogin(tg, { client_id: 'web', client_secret: SECRET })).body.refresh_token, undefined, 'web has no refresh_token grant');
  });

  test('the family records the device; the token works at /oauth/token (grant_type=refresh_token) and answers OIDC-shaped tokens', async (t) => {
    const tg = await startLegacy(t);
    const { body } = await seedLogin(tg);
    assert.equal((await findPresented(tg.store.refreshFamilies, body.refresh_token))?.family.device, 'my-device-name');
    const res = await form(tg, '/oauth/token', { grant_type: 'refresh_token', client_id: 'legacy', refresh_token: body.refresh_token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.scope, 'openid email offline_access', 'the OIDC scopes granted; favorite_color is no scope');
    const access = decodeJwt(res.body.access_token);
    assert.equal(access.aud, USERINFO);
    assert.equal(access.client_id, 'legacy');
    assert.equal(decodeJwt(res.body.id_token).favorite_color, undefined, 'OIDC-conformant: no un-namespaced attribute');
    assert.notEqual(res.body.refresh_token, body.refresh_token, 'rotated');
    assert.equal((await findPresented(tg.store.refreshFamilies, res.body.refresh_token))?.family.device, 'my-device-name', 'the successor keeps the device');
  });

  test('a device name with control characters, or longer than 255 characters, is invalid_request', async (t) => {
    const tg = await startLegacy(t);
    assertError(await ro(tg, { ...seedRequest, device: 'phone\nX-Injected: 1' }), 400, 'invalid_request');
    assertError(await ro(tg, { ...seedRequest, device: 'x'.repeat(256) }), 400, 'invalid_request');
    assert.equal((await ro(tg, { ...seedRequest, device: 'Alice’s phone ☎' })).status, 200);
  });
});

describe('errors: RFC 6749 §5.2 JSON with the Deprecation header, never a 500', () => {
  test('bad JSON, a JSON array, a non-string value, the wrong content type, an empty body: 400 invalid_request', async (t) => {
    const tg = await startLegacy(t);
    assertError(await ro(tg, undefined, { raw: '{"grant_type": "password",' }), 400, 'invalid_request');
    assertError(await ro(tg, [seedRequest]), 400, 'invalid_request');
    assertError(await ro(tg, { ...seedRequest, device: 42 }), 400, 'invalid_request');
    assertError(await ro(tg, undefined, { raw: 'grant_type=password', contentType: 'text/plain' }), 400, 'invalid_request');
    assertError(await ro(tg, undefined, { raw: '' }), 400, 'invalid_request');
  });

  test('missing username, password, connection or grant_type: 400 invalid_request; no client at all: invalid_client', async (t) => {
    const tg = await startLegacy(t);
    for (const field of ['username', 'password', 'connection', 'grant_type'] as const) {
      const { [field]: _, ...rest } = seedRequest;
      const res = await ro(tg, rest);
      assertError(res, 400, 'invalid_request');
      assert.match(res.body.error_description, new RegExp(field));
    }
    const { client_id: _, ...anonymous } = seedRequest;
    assertError(await ro(tg, anonymous), 400, 'invalid_client');
  });

  test('grant_type other than password: unsupported_grant_type; another method: 405', async (t) => {
    const tg = await startLegacy(t);
    assertError(await ro(tg, { ...seedRequest, grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }), 400, 'unsupported_grant_type');
    assertError(await ro(tg, { ...seedRequest, grant_type: 'http://auth0.com/oauth/grant-type/password-realm' }), 400, 'unsupported_grant_type');
    const get = await tg.app.inject({ method: 'GET', url: '/oauth/ro' });
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers.allow, 'POST');
    assert.equal(get.headers.deprecation, DEPRECATION);
  });

  test('legacy.deprecation_link adds Link rel="deprecation" (RFC 9745 §3) to every answer', async (t) => {
    const tg = await startLegacy(t, (c) => { c.legacy!.deprecation_link = 'https://docs.example.com/legacy-ro'; });
    const link = '<https://docs.example.com/legacy-ro>; rel="deprecation"';
    assert.equal((await seedLogin(tg)).headers.link, link);
    assert.equal((await ro(tg, { ...seedRequest, password: 'wrong' })).headers.link, link);
  });
});

describe('the password grant\'s rules, shared', () => {
  test('client rules: the password grant type is required; the client\'s registered authentication; a secret in the body for a Basic client', async (t) => {
    const tg = await startLegacy(t, (c) => {
      c.clients!.push({ client_id: 'bound', client_secret: SECRET, grant_types: ['password'], dpop_bound_access_tokens: true });
    });
    assertError(await ro(tg, { ...seedRequest, client_id: 'mobile' }), 400, 'unauthorized_client');
    assertError(await ro(tg, { ...seedRequest, client_id: 'web' }), 400, 'invalid_client');
    assertError(await ro(tg, { ...seedRequest, client_id: 'web', client_secret: 'wrong' }), 400, 'invalid_client');
    assertError(await ro(tg, { ...seedRequest, client_id: 'legacy', client_secret: 'anything' }), 400, 'invalid_client');
    assert.equal((await ro(tg, { ...seedRequest, client_id: 'web', client_secret: SECRET })).status, 200, 'client_secret_basic, secret in the JSON body');
    assert.equal((await ro(tg, { ...seedRequest, client_id: 'post', client_secret: SECRET })).status, 200, 'client_secret_post');
    const basic = await ro(tg, { ...seedRequest, client_id: undefined }, { headers: { authorization: basicAuth(...webClient) } });
    assert.equal(basic.status, 200, JSON.stringify(basic.body));
    assertError(await ro(tg, { ...seedRequest, client_id: 'bound', client_secret: SECRET }), 400, 'unauthorized_client');
  });

  test('the connection is checked like a realm: unknown, or not enabled for the client, is invalid_request; the user is found in it', async (t) => {
    const tg = await startLegacy(t);
    assertError(await ro(tg, { ...seedRequest, connection: 'nowhere' }), 400, 'invalid_request');
    assertError(await ro(tg, { ...seedRequest, connection: 'employees' }), 400, 'invalid_request');
    const employee = await ro(tg, { ...seedRequest, client_id: 'web', client_secret: SECRET, connection: 'employees', password: 'employee-password' });
    assert.equal(employee.status, 200, JSON.stringify(employee.body));
    assert.equal(decodeJwt(employee.body.id_token).email, 'alice@corp.example.com');
    assertError(await ro(tg, { ...seedRequest, password: 'wrong' }), 400, 'invalid_grant');
    assertError(await ro(tg, { ...seedRequest, username: 'mallory' }), 400, 'invalid_grant');
  });

  test('attack protection counts failures at /oauth/ro: the block holds there and at /oauth/token, and the events say so', async (t) => {
    const tg = await startLegacy(t, (c) => { c.attack_protection = { brute_force: { threshold: 3 } }; });
    for (let i = 0; i < 3; i++) assertError(await ro(tg, { ...seedRequest, password: 'wrong' }), 400, 'invalid_grant');
    assertError(await ro(tg, seedRequest), 429, 'too_many_attempts');
    const token = await tg.token(aliceLogin, { basic: webClient });
    assert.equal(token.status, 429, JSON.stringify(token.body));
    const events = await tg.store.events.listEvents({ limit: 20 });
    assert.equal(events.filter((e) => e.type === 'login.wrong_password' && e.client_id === 'legacy').length, 3);
    assert.equal(events.filter((e) => e.type === 'brute_force.blocked').length, 1);
  });

  test('MFA: the same 403 mfa_required with an mfa_token; completed at /oauth/token, it answers OIDC-shaped tokens', async (t) => {
    const tg = await startLegacy(t, withMfa('always'));
    // Enrol through /oauth/token first.
    const first = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient });
    const associate = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: first.body.mfa_token, body: { ...webInBody, authenticator_types: ['otp'] } });
    const secret: string = associate.body.secret;
    assert.equal((await tg.token({ grant_type: MFA_OTP, mfa_token: first.body.mfa_token, otp: totpCode(secret, NOW) }, { basic: webClient })).status, 200);
    tg.advance(30);

    const res = await ro(tg, { ...seedRequest, client_id: 'web', client_secret: SECRET });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error, 'mfa_required');
    assert.match(res.body.mfa_token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.headers.deprecation, DEPRECATION);
    const done = await tg.token({ grant_type: MFA_OTP, mfa_token: res.body.mfa_token, otp: totpCode(secret, NOW + 30) }, { basic: webClient });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.scope, 'openid email', 'what /oauth/ro granted: OIDC scopes, and offline_access only for a client that may refresh');
    assert.equal(decodeJwt(done.body.access_token).aud, USERINFO, 'a JWT now: the OIDC-conformant answer');
    assert.deepEqual(decodeJwt(done.body.id_token).amr, ['pwd', 'mfa', 'otp']);
  });

  test('passwords, secrets and tokens never reach the logs or the events', async (t) => {
    const tg = await startLegacy(t, withMfa('if_enrolled'));
    const ok = await seedLogin(tg);
    const viaWeb = await seedLogin(tg, { client_id: 'web', client_secret: SECRET });
    await ro(tg, { ...seedRequest, password: 'wrong-Pa55word' });
    await ro(tg, { ...seedRequest, client_id: 'web', client_secret: 'wrong-client-secret' });
    await ro(tg, undefined, { raw: `{"password": "${PASSWORD}",` });
    await userinfo(tg, ok.body.access_token);
    await form(tg, '/oauth/token', { grant_type: 'refresh_token', client_id: 'legacy', refresh_token: ok.body.refresh_token });
    const written = tg.logs.join('\n') + JSON.stringify(await tg.store.events.listEvents({ limit: 100 }));
    assert.ok(tg.logs.length > 0, 'something was logged');
    for (const secret of [PASSWORD, 'wrong-Pa55word', SECRET, 'wrong-client-secret', ok.body.access_token, ok.body.refresh_token, ok.body.id_token, viaWeb.body.access_token]) {
      assert.equal(written.includes(secret), false, `${secret.slice(0, 8)}… is not written`);
    }
  });
});

describe('/oauth/ro and post-login actions', () => {
  const fixture = (name: string) => new URL(`../fixtures/actions/${name}.ts`, import.meta.url).pathname;

  test('actions run with transaction.protocol oauth2-resource-owner; their ID token claims sit beside the legacy attributes', async (t) => {
    const tg = await start(t, legacy((c) => { c.actions = [{ name: 'echo', module: fixture('echo-event') }]; }));
    const res = await ro(tg, seedRequest);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const claims = decodeJwt(res.body.id_token);
    assert.equal((claims['https://tollgate.test/event'] as any).transaction.protocol, 'oauth2-resource-owner');
    assert.equal(claims.favorite_color, 'blue', 'the legacy attribute is still there');
    assert.equal(res.body.access_token.split('.').length, 1, 'an access-token claim has nowhere to go in the opaque token');
  });

  test('an action\'s denial is 403 access_denied in the legacy shape, with the Deprecation header', async (t) => {
    const tg = await start(t, legacy((c) => {
      c.actions = [{ name: 'staff', uses: 'builtin/deny-unless', with: { email_domains: ['corp.example.com'], reason: 'Staff only.' } }];
    }));
    const res = await ro(tg, seedRequest);
    assertError(res, 403, 'access_denied');
    assert.equal(res.body.error_description, 'Staff only.');
  });
});

describe('/oauth/ro and RFC 7009 §2.1', () => {
  test('RFC 7009 §2.1: revoking the refresh token /oauth/ro issued also ends the opaque access token issued with it', async (t) => {
    const tg = await start(t, legacy());
    const withDevice = await ro(tg, seedRequest);
    const withoutDevice = await ro(tg, { ...seedRequest, device: undefined, scope: 'openid email' });
    assert.equal(withDevice.status, 200, JSON.stringify(withDevice.body));
    assert.equal((await userinfo(tg, withDevice.body.access_token)).status, 200);
    assert.equal((await form(tg, '/oauth/revoke', { token: withDevice.body.refresh_token, client_id: 'legacy' })).status, 200);
    assert.equal((await userinfo(tg, withDevice.body.access_token)).status, 401, 'the family took its access token with it');
    const introspected = await form(tg, '/oauth/introspect', { token: withDevice.body.access_token }, ['rs', RS_SECRET]);
    assert.deepEqual(introspected.body, { active: false });
    assert.equal((await userinfo(tg, withoutDevice.body.access_token)).status, 200, 'a login without a family is untouched');
  });
});
