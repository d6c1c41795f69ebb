/**
 * Black-box compliance tests of POST /oauth/token: RFC 6749 §3.2 (the
 * endpoint), §3.3 (scope), §4.3 (password grant), §5.1 and §5.2 (responses),
 * and Auth0's password-realm extension grant (§4.5).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import {
  API, ISSUER, PASSWORD, REALM_GRANT, SECRET, aliceLogin, basicAuth, start, webClient, type Res, type TestTollgate,
} from '../helpers/tollgate.ts';

const USERINFO = `${ISSUER}/userinfo`;
const FORM = 'application/x-www-form-urlencoded';
const WRONG_CREDENTIALS = 'Wrong username or password.';


/** POST /oauth/token with a raw body, authenticated as the Basic client unless headers say otherwise. */
async function post(tg: TestTollgate, payload: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  const res = await tg.app.inject({
    method: 'POST', url: '/oauth/token', payload, headers: { authorization: basicAuth(...webClient), ...headers },
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

const postForm = (tg: TestTollgate, payload: string | Buffer) => post(tg, payload, { 'content-type': FORM });
const postJson = (tg: TestTollgate, payload: string | Buffer) => post(tg, payload, { 'content-type': 'application/json' });

/** RFC 6749 §5.1: token responses, successful or not, must not be cached. */
function assertNoStore(res: Res): void {
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
}

/** RFC 6749 §5.2: a JSON error object with `error` and a string `error_description`, never cached. */
function assertError(res: Res, status: number, error: string, description?: string | RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.body.error, error);
  assert.equal(typeof res.body.error_description, 'string');
  if (typeof description === 'string') assert.equal(res.body.error_description, description);
  else if (description) assert.match(res.body.error_description, description);
  // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E, even when it names request input.
  assert.match(res.body.error_description, /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/);
  assertNoStore(res);
}

function assertOk(res: Res): void {
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

function audiences(accessToken: string): string[] {
  const { aud } = decodeJwt(accessToken);
  return aud === undefined ? [] : [aud].flat();
}

// ---- RFC 6749 §5.1: successful response ----

test('RFC 6749 §5.1: a successful response has access_token, token_type Bearer, expires_in, scope and id_token as JSON', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, scope: 'openid profile' }, { basic: webClient });
  assertOk(res);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'id_token', 'scope', 'token_type']);
  assert.equal(typeof res.body.access_token, 'string');
  assert.equal(res.body.token_type, 'Bearer');
  assert.equal(res.body.expires_in, 600);
  assert.equal(res.body.scope, 'openid profile');
  const at = decodeJwt(res.body.access_token);
  assert.equal(at.iss, ISSUER);
  assert.equal(at.scope, 'openid profile');
  assert.equal(at.client_id, 'web');
  assert.equal((at.exp ?? 0) - (at.iat ?? 0), 600);
  const id = decodeJwt(res.body.id_token);
  assert.equal(id.aud, 'web');
  assert.equal(id.sub, at.sub);
});

test('RFC 6749 §5.1: Cache-Control: no-store and Pragma: no-cache on a successful response', async (t) => {
  const tg = await start(t);
  const res = await tg.token(aliceLogin, { basic: webClient });
  assertOk(res);
  assertNoStore(res);
});

test('RFC 6749 §5.1: Cache-Control: no-store and Pragma: no-cache on error responses of every stage', async (t) => {
  const tg = await start(t);
  const errors: [string, Res][] = [
    ['grant error', await tg.token({ ...aliceLogin, password: 'nope' }, { basic: webClient })],
    ['client error (401)', await tg.token(aliceLogin, { basic: ['web', 'nope'] })],
    ['unsupported content type', await post(tg, 'x', { 'content-type': 'text/plain' })],
    ['broken form encoding', await postForm(tg, 'grant_type=%ZZ')],
    ['repeated parameter', await postForm(tg, 'scope=a&scope=b')],
    ['broken JSON', await postJson(tg, '{')],
    ['body too large', await postForm(tg, `pad=${'a'.repeat(17 * 1024)}`)],
  ];
  for (const [what, res] of errors) {
    assert.ok(res.status >= 400, what);
    assert.equal(res.headers['cache-control'], 'no-store', what);
    assert.equal(res.headers.pragma, 'no-cache', what);
  }
});

test('RFC 6749 §5.1: scope is always present in the response, even when nothing was requested', async (t) => {
  const tg = await start(t);
  const res = await tg.token(aliceLogin, { basic: webClient });
  assertOk(res);
  // No scope asked: everything the client may have (RFC 6749 §3.3 pre-defined default).
  assert.equal(res.body.scope, 'openid profile email');
  assert.equal(decodeJwt(res.body.access_token).scope, 'openid profile email');
});

test('RFC 6749 §5.1: scope is present (empty) when nothing requested could be granted', async (t) => {
  const tg = await start(t);
  // read:items exists, but only for an audience that was not asked for: dropped, leaving nothing.
  const res = await tg.token({ ...aliceLogin, scope: 'read:items' }, { basic: webClient });
  assertOk(res);
  assert.equal(res.body.scope, '');
  assert.equal(res.body.id_token, undefined);
});

test('OIDC Core §3.1.3.3 / RFC 6749 §5.1: id_token only when openid is granted', async (t) => {
  const tg = await start(t);
  const without = await tg.token({ ...aliceLogin, scope: 'profile email' }, { basic: webClient });
  assertOk(without);
  assert.equal(without.body.scope, 'profile email');
  assert.equal('id_token' in without.body, false);
  const withOpenid = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient });
  assertOk(withOpenid);
  assert.equal(typeof withOpenid.body.id_token, 'string');
});

// ---- RFC 6749 §3.2: the token endpoint's request format ----

test('RFC 6749 §3.2: a JSON body (application/json) is accepted like a form', async (t) => {
  const tg = await start(t);
  const res = await postJson(tg, JSON.stringify({ ...aliceLogin, scope: 'openid' }));
  assertOk(res);
  assert.equal(res.body.scope, 'openid');
  assertNoStore(res);
});

test('RFC 6749 §3.2: a JSON body with a charset parameter is accepted', async (t) => {
  const tg = await start(t);
  const res = await post(tg, JSON.stringify(aliceLogin), { 'content-type': 'application/json; charset=utf-8' });
  assertOk(res);
});

test('RFC 6749 §3.2: a form body with a charset parameter is accepted', async (t) => {
  const tg = await start(t);
  const res = await post(tg, new URLSearchParams(aliceLogin).toString(), { 'content-type': `${FORM}; charset=UTF-8` });
  assertOk(res);
});

test('RFC 6749 §3.2: another content type is 400 invalid_request', async (t) => {
  const tg = await start(t);
  for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
    const res = await post(tg, new URLSearchParams(aliceLogin).toString(), { 'content-type': type });
    assertError(res, 400, 'invalid_request');
  }
});

test('RFC 6749 §3.2: a body without a content type is 400 invalid_request', async (t) => {
  const tg = await start(t);
  const res = await post(tg, new URLSearchParams(aliceLogin).toString());
  assertError(res, 400, 'invalid_request');
});

test('RFC 6749 §3.2: a body over 16 KiB is 400 invalid_request, not 413', async (t) => {
  const tg = await start(t);
  const form = `${new URLSearchParams(aliceLogin).toString()}&pad=`;
  assertError(await postForm(tg, form + 'a'.repeat(16 * 1024 - form.length + 1)), 400, 'invalid_request', /16 KiB/);
  assertError(await postJson(tg, JSON.stringify({ ...aliceLogin, pad: 'a'.repeat(16 * 1024) })), 400, 'invalid_request', /16 KiB/);
});

test('RFC 6749 §3.2: a body of exactly 16 KiB is accepted', async (t) => {
  const tg = await start(t);
  const form = `${new URLSearchParams(aliceLogin).toString()}&pad=`;
  const body = form + 'a'.repeat(16 * 1024 - form.length);
  assert.equal(Buffer.byteLength(body), 16 * 1024);
  assertOk(await postForm(tg, body));
});

test('RFC 6749 §3.2 / Appendix B: broken percent-encoding (%ZZ, truncated %) is 400 invalid_request', async (t) => {
  const tg = await start(t);
  for (const body of ['grant_type=password&username=%ZZ&password=x', 'grant_type=password&username=alice%', 'grant_type=password&pass%2=x']) {
    assertError(await postForm(tg, body), 400, 'invalid_request', /form encoding/);
  }
});

test('RFC 6749 Appendix B: percent-encoded bytes that are not UTF-8 (%FF, %C3%28) are 400 invalid_request', async (t) => {
  const tg = await start(t);
  for (const bad of ['%FF', '%C3%28', '%ED%A0%80']) {
    assertError(await postForm(tg, `grant_type=password&username=alice&password=${bad}`), 400, 'invalid_request');
  }
});

test('RFC 6749 Appendix B: raw bytes that are not UTF-8 in a form body are 400 invalid_request', async (t) => {
  const tg = await start(t);
  const body = Buffer.concat([Buffer.from('grant_type=password&username=alice&password='), Buffer.from([0xff, 0xfe, 0xc3])]);
  assertError(await postForm(tg, body), 400, 'invalid_request', /UTF-8/);
});

test('RFC 6749 §3.2: raw bytes that are not UTF-8 in a JSON body are 400 invalid_request', async (t) => {
  const tg = await start(t);
  const body = Buffer.concat([Buffer.from('{"grant_type":"password","username":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
  assertError(await postJson(tg, body), 400, 'invalid_request', /UTF-8/);
});

test('RFC 6749 §3.2: broken JSON is 400 invalid_request', async (t) => {
  const tg = await start(t);
  for (const body of ['{', '{"grant_type":"password",}', "{'grant_type':'password'}", 'grant_type=password', '']) {
    assertError(await postJson(tg, body), 400, 'invalid_request');
  }
});

test('RFC 6749 §3.2: a JSON array or scalar is 400 invalid_request', async (t) => {
  const tg = await start(t);
  for (const body of ['[]', JSON.stringify([aliceLogin]), 'null', '"password"', '42', 'true']) {
    assertError(await postJson(tg, body), 400, 'invalid_request');
  }
});

test('RFC 6749 §3.2: JSON values that are not strings are 400 invalid_request', async (t) => {
  const tg = await start(t);
  for (const value of [123, true, null, ['alice'], { name: 'alice' }]) {
    const res = await postJson(tg, JSON.stringify({ ...aliceLogin, username: value }));
    assertError(res, 400, 'invalid_request', /username.* must be a string/);
  }
});

test('RFC 6749 §3.2: a repeated form parameter is 400 invalid_request', async (t) => {
  const tg = await start(t);
  const base = new URLSearchParams(aliceLogin).toString();
  assertError(await postForm(tg, `${base}&scope=openid&scope=profile`), 400, 'invalid_request', /scope.* is repeated/);
  // Repeated even when both values are the same, or empty, or the parameter is unknown.
  assertError(await postForm(tg, `${base}&grant_type=password`), 400, 'invalid_request', /grant_type.* is repeated/);
  assertError(await postForm(tg, `${base}&scope=&scope=`), 400, 'invalid_request');
  assertError(await postForm(tg, `${base}&foo=1&foo=2`), 400, 'invalid_request');
});

test('RFC 6749 §3.2: a repeated JSON member is 400 invalid_request', async (t) => {
  const tg = await start(t);
  const res = await postJson(tg, '{"grant_type":"password","username":"mallory","username":"alice","password":"A3ddj3w-correct"}');
  assertError(res, 400, 'invalid_request', /username.* is repeated/);
  // Escapes spell the same name: still the same member.
  const escaped = await postJson(tg, '{"grant_type":"password","username":"alice","user\\u006eame":"alice","password":"x"}');
  assertError(escaped, 400, 'invalid_request', /username.* is repeated/);
  // A non-string value hidden under a repeat is still refused.
  for (const hidden of ['1', 'null', '{"a":"b"}', '["alice"]']) {
    const res = await postJson(tg, `{"grant_type":"password","username":${hidden},"username":"alice","password":"${PASSWORD}"}`);
    assertError(res, 400, 'invalid_request');
  }
});

test('RFC 6749 §3.2: a JSON body may use escapes and any whitespace', async (t) => {
  const tg = await start(t);
  const res = await postJson(tg, ` {\n "grant_type" : "pass\\u0077ord", "username":"ALICE", "password": ${JSON.stringify(PASSWORD)},\t"scope":"openid \\"x\\"" } `);
  // The escaped quote makes the scope malformed: proof the value was decoded, not matched as text.
  assertError(res, 400, 'invalid_scope');
  assertOk(await postJson(tg, ` {\n "grant_type" : "pass\\u0077ord", "username":"ALICE", "password": ${JSON.stringify(PASSWORD)} } `));
});

test('RFC 6749 §3.2: an empty parameter counts as absent (scope= behaves as no scope)', async (t) => {
  const tg = await start(t);
  const none = await tg.token(aliceLogin, { basic: webClient });
  const empty = await tg.token({ ...aliceLogin, scope: '' }, { basic: webClient });
  assertOk(empty);
  assert.equal(empty.body.scope, none.body.scope);
  assert.equal(empty.body.scope, 'openid profile email');
  // The same in JSON.
  const json = await postJson(tg, JSON.stringify({ ...aliceLogin, scope: '', audience: '' }));
  assertOk(json);
  assert.equal(json.body.scope, 'openid profile email');
});

test('RFC 6749 §3.2: an empty username is a missing parameter (invalid_request)', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...aliceLogin, username: '' }, { basic: webClient }), 400, 'invalid_request', 'Missing required parameter: username.');
  assertError(await tg.token({ ...aliceLogin, password: '' }, { basic: webClient }), 400, 'invalid_request', 'Missing required parameter: password.');
  assertError(await tg.token({ grant_type: 'password', password: PASSWORD }, { basic: webClient }), 400, 'invalid_request', 'Missing required parameter: username.');
  assertError(await tg.token({ grant_type: 'password', username: 'alice' }, { basic: webClient }), 400, 'invalid_request', 'Missing required parameter: password.');
});

test('RFC 6749 §3.2: unknown parameters are ignored', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, scope: 'openid', foo: 'bar', nonce: 'n', response_type: 'code', redirect_uri: 'https://x', '': 'v' }, { basic: webClient });
  assertOk(res);
  assert.equal(res.body.scope, 'openid');
  assert.equal(decodeJwt(res.body.id_token).nonce, undefined);
});

test('RFC 6749 §3.2: GET /oauth/token is 405 with Allow: POST', async (t) => {
  const tg = await start(t);
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'] as const) {
    const res = await tg.app.inject({ method, url: `/oauth/token?${new URLSearchParams(aliceLogin)}`, headers: { authorization: basicAuth(...webClient) } });
    assert.equal(res.statusCode, 405, method);
    assert.equal(res.headers.allow, 'POST', method);
    assert.equal(res.json().error, 'invalid_request', method);
  }
});

// ---- RFC 6749 §5.2: error responses ----

test('RFC 6749 §5.2: missing grant_type is invalid_request', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ username: 'alice', password: PASSWORD }, { basic: webClient }), 400, 'invalid_request', 'Missing required parameter: grant_type.');
  assertError(await tg.token({ ...aliceLogin, grant_type: '' }, { basic: webClient }), 400, 'invalid_request', 'Missing required parameter: grant_type.');
});

test('RFC 6749 §5.2: unknown grant type is unsupported_grant_type', async (t) => {
  const tg = await start(t);
  for (const grantType of ['authorization_code', 'implicit', 'PASSWORD', 'urn:example:custom', 'constructor', '__proto__', 'toString', 'pässwörd"\\']) {
    const res = await tg.token({ ...aliceLogin, grant_type: grantType }, { basic: webClient });
    assertError(res, 400, 'unsupported_grant_type');
  }
});

test('RFC 6749 §5.2: a grant type the client is not registered for is unauthorized_client', async (t) => {
  const tg = await start(t);
  // The public client is registered for password-realm only.
  const res = await tg.token({ ...aliceLogin, client_id: 'mobile' });
  assertError(res, 400, 'unauthorized_client', /password/);
});

test('RFC 6749 §5.2: wrong resource owner credentials are invalid_grant', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...aliceLogin, password: 'wrong' }, { basic: webClient }), 400, 'invalid_grant', WRONG_CREDENTIALS);
});

test('RFC 6749 §5.2: failed client authentication is invalid_client', async (t) => {
  const tg = await start(t);
  assertError(await tg.token(aliceLogin, { basic: ['web', 'wrong'] }), 401, 'invalid_client');
});

test('RFC 6749 §5.2: a scope that exists nowhere is invalid_scope', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...aliceLogin, scope: 'openid admin:everything' }, { basic: webClient }), 400, 'invalid_scope', /admin:everything/);
});

test('RFC 6749 §5.2: every error code is a JSON object of error and an ASCII error_description only', async (t) => {
  const tg = await start(t);
  const rows: [string, number, Res][] = [
    ['invalid_request', 400, await tg.token({ grant_type: 'password' }, { basic: webClient })],
    ['invalid_client', 401, await tg.token(aliceLogin, { basic: ['nobody', SECRET] })],
    ['invalid_grant', 400, await tg.token({ ...aliceLogin, username: 'nobody' }, { basic: webClient })],
    ['unauthorized_client', 400, await tg.token({ ...aliceLogin, client_id: 'mobile' })],
    ['unsupported_grant_type', 400, await tg.token({ ...aliceLogin, grant_type: 'implicit' }, { basic: webClient })],
    ['invalid_scope', 400, await tg.token({ ...aliceLogin, scope: 'nope' }, { basic: webClient })],
  ];
  for (const [error, status, res] of rows) {
    assertError(res, status, error);
    assert.deepEqual(Object.keys(res.body).sort(), ['error', 'error_description'], error);
  }
});

// ---- RFC 6749 §4.3.2: password grant ----

test('RFC 6749 §4.3.2: the user is found by username, case-insensitively', async (t) => {
  const tg = await start(t);
  const lower = await tg.token(aliceLogin, { basic: webClient });
  const upper = await tg.token({ ...aliceLogin, username: 'ALICE' }, { basic: webClient });
  const mixed = await tg.token({ ...aliceLogin, username: 'aLiCe' }, { basic: webClient });
  for (const res of [lower, upper, mixed]) assertOk(res);
  const sub = decodeJwt(lower.body.access_token).sub;
  assert.equal(decodeJwt(upper.body.access_token).sub, sub);
  assert.equal(decodeJwt(mixed.body.access_token).sub, sub);
});

test('RFC 6749 §4.3.2: the user is found by email, case-insensitively', async (t) => {
  const tg = await start(t);
  const byName = await tg.token(aliceLogin, { basic: webClient });
  const byEmail = await tg.token({ ...aliceLogin, username: 'alice@example.com' }, { basic: webClient });
  const byEmailUpper = await tg.token({ ...aliceLogin, username: 'Alice@EXAMPLE.com' }, { basic: webClient });
  assertOk(byEmail);
  assertOk(byEmailUpper);
  const sub = decodeJwt(byName.body.access_token).sub;
  assert.equal(decodeJwt(byEmail.body.access_token).sub, sub);
  assert.equal(decodeJwt(byEmailUpper.body.access_token).sub, sub);
});

test('RFC 6749 §4.3.2: grant_type=password uses the default connection', async (t) => {
  const tg = await start(t);
  // default_connection is customers: its alice, not the employees' one.
  const customers = await tg.token({ ...aliceLogin, scope: 'openid email' }, { basic: webClient });
  assertOk(customers);
  assert.equal(decodeJwt(customers.body.id_token).email, 'alice@example.com');
  const realm = await tg.token({ ...aliceLogin, grant_type: REALM_GRANT, realm: 'customers' }, { basic: webClient });
  assert.equal(decodeJwt(customers.body.access_token).sub, decodeJwt(realm.body.access_token).sub);
  assertError(await tg.token({ ...aliceLogin, password: 'employee-password' }, { basic: webClient }), 400, 'invalid_grant', WRONG_CREDENTIALS);
  // An employee's email is not a login in the default connection.
  assertError(await tg.token({ ...aliceLogin, username: 'alice@corp.example.com', password: 'employee-password' }, { basic: webClient }), 400, 'invalid_grant', WRONG_CREDENTIALS);
});

test('RFC 6749 §4.3.2: a client default_connection overrides the global one for grant_type=password', async (t) => {
  const tg = await start(t, (c) => {
    c.clients![0]!.default_connection = 'employees';
  });
  const res = await tg.token({ ...aliceLogin, password: 'employee-password', scope: 'openid email' }, { basic: webClient });
  assertOk(res);
  assert.equal(decodeJwt(res.body.id_token).email, 'alice@corp.example.com');
  assertError(await tg.token(aliceLogin, { basic: webClient }), 400, 'invalid_grant', WRONG_CREDENTIALS);
});

test('RFC 6749 §4.5 password-realm: the realm picks the directory, each realm has its own alice and sub', async (t) => {
  const tg = await start(t);
  const customers = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', username: 'alice', password: PASSWORD, scope: 'openid email' }, { basic: webClient });
  const employees = await tg.token({ grant_type: REALM_GRANT, realm: 'employees', username: 'alice', password: 'employee-password', scope: 'openid email' }, { basic: webClient });
  assertOk(customers);
  assertOk(employees);
  const c = decodeJwt(customers.body.id_token);
  const e = decodeJwt(employees.body.id_token);
  assert.equal(c.email, 'alice@example.com');
  assert.equal(e.email, 'alice@corp.example.com');
  assert.notEqual(c.sub, e.sub);
  assert.equal(decodeJwt(customers.body.access_token).sub, c.sub);
  assert.equal(decodeJwt(employees.body.access_token).sub, e.sub);
  // Each password works only in its own realm.
  assertError(await tg.token({ grant_type: REALM_GRANT, realm: 'employees', username: 'alice', password: PASSWORD }, { basic: webClient }), 400, 'invalid_grant', WRONG_CREDENTIALS);
  assertError(await tg.token({ grant_type: REALM_GRANT, realm: 'customers', username: 'alice', password: 'employee-password' }, { basic: webClient }), 400, 'invalid_grant', WRONG_CREDENTIALS);
});

test('RFC 6749 §4.5 password-realm: lookup by email is scoped to the realm and case-insensitive', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ grant_type: REALM_GRANT, realm: 'employees', username: 'ALICE@corp.example.COM', password: 'employee-password' }, { basic: webClient });
  assertOk(res);
  const byName = await tg.token({ grant_type: REALM_GRANT, realm: 'employees', username: 'alice', password: 'employee-password' }, { basic: webClient });
  assert.equal(decodeJwt(res.body.access_token).sub, decodeJwt(byName.body.access_token).sub);
  assertError(await tg.token({ grant_type: REALM_GRANT, realm: 'customers', username: 'alice@corp.example.com', password: 'employee-password' }, { basic: webClient }), 400, 'invalid_grant', WRONG_CREDENTIALS);
});

test('RFC 6749 §5.2 password-realm: a missing realm is invalid_request naming it', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...aliceLogin, grant_type: REALM_GRANT }, { basic: webClient }), 400, 'invalid_request', /realm/);
  assertError(await tg.token({ ...aliceLogin, grant_type: REALM_GRANT, realm: '' }, { basic: webClient }), 400, 'invalid_request', /realm/);
});

test('RFC 6749 §5.2 password-realm: an unknown realm is invalid_request naming it', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...aliceLogin, grant_type: REALM_GRANT, realm: 'contractors' }, { basic: webClient }), 400, 'invalid_request', /contractors/);
});

test('RFC 6749 §5.2 password-realm: a realm not enabled for the client is invalid_request naming it', async (t) => {
  const tg = await start(t);
  // mobile may use customers only.
  const res = await tg.token({ grant_type: REALM_GRANT, realm: 'employees', username: 'alice', password: 'employee-password', client_id: 'mobile' });
  assertError(res, 400, 'invalid_request', /employees.*not enabled/);
  assertOk(await tg.token({ grant_type: REALM_GRANT, realm: 'customers', username: 'alice', password: PASSWORD, client_id: 'mobile' }));
});

test('RFC 6749 §5.2 / §10.10: wrong password and unknown user get the identical invalid_grant', async (t) => {
  const tg = await start(t);
  const strip = (res: Res) => ({ status: res.status, body: res.body, type: res.headers['content-type'], cache: res.headers['cache-control'], www: res.headers['www-authenticate'] });
  const wrong = await tg.token({ ...aliceLogin, password: 'wrong' }, { basic: webClient });
  const unknown = await tg.token({ ...aliceLogin, username: 'nobody' }, { basic: webClient });
  const unknownRealm = await tg.token({ grant_type: REALM_GRANT, realm: 'employees', username: 'mallory', password: PASSWORD }, { basic: webClient });
  assertError(wrong, 400, 'invalid_grant', WRONG_CREDENTIALS);
  assert.deepEqual(strip(unknown), strip(wrong));
  assert.deepEqual(strip(unknownRealm), strip(wrong));
});

test('RFC 6749 §5.2: a blocked user is told so only with the right password', async (t) => {
  const tg = await start(t);
  const right = await tg.token({ ...aliceLogin, username: 'mallory' }, { basic: webClient });
  assertError(right, 400, 'invalid_grant', 'This user is blocked.');
  const wrong = await tg.token({ ...aliceLogin, username: 'mallory', password: 'wrong' }, { basic: webClient });
  assertError(wrong, 400, 'invalid_grant', WRONG_CREDENTIALS);
  const realm = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', username: 'MALLORY', password: PASSWORD }, { basic: webClient });
  assertError(realm, 400, 'invalid_grant', 'This user is blocked.');
});

// ---- RFC 6749 §3.3: scope ----

test('RFC 6749 §3.3: granted scope = requested ∩ client allowed ∩ existing', async (t) => {
  const tg = await start(t);
  // post may have "openid email read:items"; profile and write:items exist but are not allowed.
  const res = await tg.token({ ...aliceLogin, client_id: 'post', client_secret: SECRET, audience: API, scope: 'openid profile email read:items write:items' });
  assertOk(res);
  assert.equal(res.body.scope, 'openid email read:items');
  assert.equal(decodeJwt(res.body.access_token).scope, 'openid email read:items');
});

test('RFC 6749 §3.3: the post client is restricted to "openid email read:items" by default', async (t) => {
  const tg = await start(t);
  const withApi = await tg.token({ ...aliceLogin, client_id: 'post', client_secret: SECRET, audience: API });
  assertOk(withApi);
  assert.equal(withApi.body.scope, 'openid email read:items');
  const withoutApi = await tg.token({ ...aliceLogin, client_id: 'post', client_secret: SECRET });
  assertOk(withoutApi);
  assert.equal(withoutApi.body.scope, 'openid email');
  // ID token claims follow the granted scope, not the requested one.
  const asked = await tg.token({ ...aliceLogin, client_id: 'post', client_secret: SECRET, scope: 'openid profile' });
  assert.equal(asked.body.scope, 'openid');
  assert.equal(decodeJwt(asked.body.id_token).name, undefined);
});

test('RFC 6749 §3.3: the unrestricted client gets the API scopes when it names the audience', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, audience: API }, { basic: webClient });
  assertOk(res);
  assert.equal(res.body.scope, 'openid profile email read:items write:items');
});

test('RFC 6749 §3.3: a scope that exists nowhere is invalid_scope', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...aliceLogin, scope: 'delete:items', audience: API }, { basic: webClient }), 400, 'invalid_scope', /delete:items/);
  // Also for a client whose allowed scope would have dropped it anyway.
  assertError(await tg.token({ ...aliceLogin, client_id: 'post', client_secret: SECRET, scope: 'openid nope' }), 400, 'invalid_scope', /nope/);
});

test('RFC 6749 §3.3: a malformed scope is invalid_scope', async (t) => {
  const tg = await start(t);
  for (const scope of ['openid "email"', 'openid\\email', 'openid\temail', 'é']) {
    assertError(await tg.token({ ...aliceLogin, scope }, { basic: webClient }), 400, 'invalid_scope');
  }
});

test('RFC 6749 §3.3: a scope of another API is dropped silently', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, audience: API, scope: 'openid read:items other:scope' }, { basic: webClient });
  assertOk(res);
  assert.equal(res.body.scope, 'openid read:items');
  // Without an audience every API scope is another API's.
  const noAudience = await tg.token({ ...aliceLogin, scope: 'openid read:items' }, { basic: webClient });
  assertOk(noAudience);
  assert.equal(noAudience.body.scope, 'openid');
});

test('RFC 6749 §3.3: repeated scope tokens are granted once, in request order', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, audience: API, scope: 'read:items  openid read:items' }, { basic: webClient });
  assertOk(res);
  assert.equal(res.body.scope, 'read:items openid');
});

test('RFC 6749 §3.3: offline_access is not granted to a client without refresh tokens', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, scope: 'openid offline_access' }, { basic: webClient });
  assertOk(res);
  assert.equal(res.body.scope, 'openid');
  assert.equal(res.body.refresh_token, undefined);
});

test('RFC 9068 §2.2: with no audience and no default, the access token aud is only the userinfo endpoint', async (t) => {
  const tg = await start(t);
  const oidc = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient });
  assertOk(oidc);
  assert.deepEqual(audiences(oidc.body.access_token), [USERINFO]);
  const plain = await tg.token({ ...aliceLogin, scope: 'email' }, { basic: webClient });
  assertOk(plain);
  assert.deepEqual(audiences(plain.body.access_token), [USERINFO]);
});

test('RFC 9068 §2.2: audience picks the API; userinfo is an audience too when openid is granted', async (t) => {
  const tg = await start(t);
  const withOpenid = await tg.token({ ...aliceLogin, audience: API, scope: 'openid read:items' }, { basic: webClient });
  assertOk(withOpenid);
  assert.deepEqual(audiences(withOpenid.body.access_token).sort(), [API, USERINFO].sort());
  const apiOnly = await tg.token({ ...aliceLogin, audience: API, scope: 'read:items' }, { basic: webClient });
  assertOk(apiOnly);
  assert.deepEqual(audiences(apiOnly.body.access_token), [API]);
  assert.equal(apiOnly.body.id_token, undefined);
});

test('RFC 9068 §2.2: default_audience applies when the request names none', async (t) => {
  const tg = await start(t, (c) => {
    c.default_audience = API;
  });
  const res = await tg.token({ ...aliceLogin, scope: 'read:items' }, { basic: webClient });
  assertOk(res);
  assert.equal(res.body.scope, 'read:items');
  assert.deepEqual(audiences(res.body.access_token), [API]);
});

test('RFC 6749 §5.2: an unknown audience is invalid_request', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...aliceLogin, audience: 'https://unknown.example.com' }, { basic: webClient }), 400, 'invalid_request', /https:\/\/unknown\.example\.com/);
  // The userinfo URL is an audience Tollgate adds, not an API one can ask for.
  assertError(await tg.token({ ...aliceLogin, audience: USERINFO }, { basic: webClient }), 400, 'invalid_request');
});
