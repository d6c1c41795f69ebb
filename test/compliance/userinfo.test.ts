/** The UserInfo endpoint (OIDC Core §5.3) as a Bearer-protected resource (RFC 6750). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { API, aliceLogin, startTollgate, webClient, type TestTollgate } from '../helpers/tollgate.ts';

async function accessToken(tg: TestTollgate, params: Record<string, string> = {}): Promise<string> {
  const res = await tg.token({ ...aliceLogin, scope: 'openid profile email', ...params }, { basic: webClient });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token;
}

function userinfo(tg: TestTollgate, opts: { method?: 'GET' | 'POST'; token?: string; authorization?: string; form?: Record<string, string> } = {}) {
  const headers: Record<string, string> = {};
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  else if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  return tg.app.inject({
    method: opts.method ?? 'GET',
    url: '/userinfo',
    headers,
    ...(opts.form ? { payload: new URLSearchParams(opts.form).toString() } : {}),
  });
}

/** RFC 6750 §3: the challenge's auth-params, e.g. { realm: "tollgate", error: "invalid_token" }. */
function challenge(header: unknown): { scheme: string; params: Record<string, string> } {
  assert.equal(typeof header, 'string', 'WWW-Authenticate is present');
  const [, scheme = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(header as string) ?? [];
  const params: Record<string, string> = {};
  for (const m of rest.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme, params };
}

function assertInvalidToken(res: Awaited<ReturnType<typeof userinfo>>): void {
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.json().error, 'invalid_token');
  const { scheme, params } = challenge(res.headers['www-authenticate']);
  assert.equal(scheme, 'Bearer');
  assert.ok(params.realm, 'the challenge names a realm');
  assert.equal(params.error, 'invalid_token');
  assert.equal(res.headers['cache-control'], 'no-store');
}

test('OIDC Core §5.3.1 / RFC 6750 §2.1: GET with a Bearer token returns sub and the claims of the granted scopes', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const res = await userinfo(tg, { token });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.equal(body.sub, decodeJwt(token).sub, 'OIDC Core §5.3.2: sub is always returned and matches the token');
  assert.equal(body.name, 'Alice Liddell');
  assert.equal(body.given_name, 'Alice');
  assert.equal(body.email, 'alice@example.com');
  assert.equal(body.email_verified, true);
  assert.equal(body.password_hash, undefined);
  assert.equal(body.username, undefined);
});

test('OIDC Core §5.3.1 / RFC 6750 §2.1: POST with a Bearer header works like GET', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const [get, post] = [await userinfo(tg, { token }), await userinfo(tg, { method: 'POST', token })];
  assert.equal(post.statusCode, 200, post.body);
  assert.deepEqual(post.json(), get.json());
});

test('RFC 6750 §2.1: the auth-scheme is case-insensitive (RFC 9110 §11.1)', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const res = await userinfo(tg, { authorization: `bearer ${token}` });
  assert.equal(res.statusCode, 200, res.body);
});

test('OIDC Core §5.4: userinfo releases only the claims of the scopes the token carries', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const bare = (await userinfo(tg, { token: await accessToken(tg, { scope: 'openid' }) })).json();
  assert.deepEqual(Object.keys(bare), ['sub']);
  const email = (await userinfo(tg, { token: await accessToken(tg, { scope: 'openid email' }) })).json();
  assert.deepEqual(Object.keys(email).sort(), ['email', 'email_verified', 'sub']);
  const profile = (await userinfo(tg, { token: await accessToken(tg, { scope: 'openid profile' }) })).json();
  assert.equal(profile.name, 'Alice Liddell');
  assert.equal(profile.email, undefined);
});

test('RFC 6750 §2.2: POST with access_token in the form-encoded body works', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const res = await userinfo(tg, { method: 'POST', form: { access_token: token } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().sub, decodeJwt(token).sub);
  assert.equal(res.json().email, 'alice@example.com');
});

test('RFC 6750 §2.2: a token in the body of a GET is not accepted (GET MUST NOT be used for the body method)', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const res = await userinfo(tg, { method: 'GET', form: { access_token: token } });
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(challenge(res.headers['www-authenticate']).params.error, undefined, 'treated as no token');
});

test('RFC 6750 §3.1: a request without a token gets 401 and a bare Bearer challenge with no error code', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  for (const res of [await userinfo(tg), await userinfo(tg, { method: 'POST' }), await userinfo(tg, { method: 'POST', form: { other: 'x' } })]) {
    assert.equal(res.statusCode, 401, res.body);
    const { scheme, params } = challenge(res.headers['www-authenticate']);
    assert.equal(scheme, 'Bearer');
    assert.ok(params.realm, 'realm is present');
    assert.equal(params.error, undefined, 'no error code when no credentials were sent');
    assert.equal(params.error_description, undefined);
    assert.equal(res.json().error, undefined, 'no error code in the body either');
    assert.equal(res.headers['cache-control'], 'no-store');
  }
});

test('RFC 6750 §2.3 / §5.3: a token in the URI query is not accepted (treated as no token)', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const res = await tg.app.inject({ method: 'GET', url: `/userinfo?access_token=${token}` });
  assert.equal(res.statusCode, 401);
  assert.equal(challenge(res.headers['www-authenticate']).params.error, undefined);
});

test('RFC 6750 §3.1: a garbage token gets 401 invalid_token', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  for (const token of ['garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
    assertInvalidToken(await userinfo(tg, { token }));
  }
  assertInvalidToken(await userinfo(tg, { authorization: 'Bearer two words' }));
  assertInvalidToken(await userinfo(tg, { method: 'POST', form: { access_token: 'garbage' } }));
});

test('RFC 6750 §3.1 / RFC 9068 §4: an expired token gets 401 invalid_token', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const { exp, iat } = decodeJwt(token);
  tg.advance(exp! - iat! - 1);
  assert.equal((await userinfo(tg, { token })).statusCode, 200, 'valid until exp');
  tg.advance(2);
  assertInvalidToken(await userinfo(tg, { token }));
});

test('RFC 6750 §3.1 / RFC 9068 §4: a tampered token gets 401 invalid_token', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const other = await tg.token({ grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', username: 'alice', password: 'employee-password', scope: 'openid' }, { basic: webClient });
  const forged = { ...claims, sub: decodeJwt(other.body.access_token).sub };
  assertInvalidToken(await userinfo(tg, { token: `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}` }));
  assertInvalidToken(await userinfo(tg, { token: `${header}.${payload}.${signature.slice(0, -8)}` }));
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
  assertInvalidToken(await userinfo(tg, { token: `${none}.${payload}.` }));
});

test('RFC 6750 §3.1 / RFC 9068 §4: a token for another audience (an API, without openid) gets 401 invalid_token', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg, { audience: API, scope: 'read:items' });
  assert.deepEqual(decodeJwt(token).aud, API);
  assertInvalidToken(await userinfo(tg, { token }));
});

test('RFC 9068 §4: an ID token is not an access token (typ is not at+jwt): 401 invalid_token', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const res = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient });
  assertInvalidToken(await userinfo(tg, { token: res.body.id_token }));
});

test('OIDC Core §5.3 / RFC 6750 §3.1: a valid token without the openid scope gets 403 insufficient_scope', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  // No audience: the token is for Tollgate itself, but OpenID Connect was not asked for.
  const token = await accessToken(tg, { scope: 'profile email' });
  assert.equal(decodeJwt(token).scope, 'profile email');
  const res = await userinfo(tg, { token });
  assert.equal(res.statusCode, 403, res.body);
  assert.equal(res.json().error, 'insufficient_scope');
  const { scheme, params } = challenge(res.headers['www-authenticate']);
  assert.equal(scheme, 'Bearer');
  assert.equal(params.error, 'insufficient_scope');
  assert.equal(res.json().email, undefined, 'no claims are released');
});

test('RFC 6750 §2: a token sent both in the header and in the body is 400 invalid_request', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  const res = await userinfo(tg, { method: 'POST', token, form: { access_token: token } });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error, 'invalid_request');
  assert.equal(res.headers['cache-control'], 'no-store');
});

test('OIDC Core §5.3.2 / RFC 6749 §5.1: userinfo responses carry Cache-Control: no-store', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const token = await accessToken(tg);
  for (const res of [await userinfo(tg, { token }), await userinfo(tg, { method: 'POST', token }), await userinfo(tg, { method: 'POST', form: { access_token: token } })]) {
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers.pragma, 'no-cache');
  }
});
