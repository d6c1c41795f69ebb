/**
 * Black-box compliance tests of client authentication at the token endpoint:
 * RFC 6749 §2.3 (one method per request), §2.3.1 (client_secret_basic with
 * form-urlencoded credentials, client_secret_post), §2.1 public clients, and
 * the invalid_client row of §5.2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import {
  PASSWORD, REALM_GRANT, SECRET, aliceLogin, basicAuth, start, webClient, type Res, type TestTollgate,
} from '../helpers/tollgate.ts';

/** A secret with a space, a colon, a percent sign, a plus and non-ASCII: all need form-urlencoding in Basic. */
const ODD_SECRET = 'a b:c%d+é-0123456789abcdef0123456789abcdef';
const realmLogin = { grant_type: REALM_GRANT, realm: 'customers', username: 'alice', password: PASSWORD };


/** Adds Basic and post clients whose secret is ODD_SECRET. */
async function startWithOddClients(t: { after(fn: () => Promise<void>): void }): Promise<TestTollgate> {
  return start(t, (c) => {
    c.clients!.push(
      { client_id: 'odd', client_secret: ODD_SECRET, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['password'] },
      { client_id: 'odd-post', client_secret: ODD_SECRET, token_endpoint_auth_method: 'client_secret_post', grant_types: ['password'] },
    );
  });
}

/** POST /oauth/token with a form body and a literal Authorization header. */
async function withAuthorization(tg: TestTollgate, authorization: string, params: Record<string, string> = aliceLogin): Promise<Res> {
  const res = await tg.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    payload: new URLSearchParams(params).toString(),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

const rawBasic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

function assertOk(res: Res): void {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.token_type, 'Bearer');
}

function assertError(res: Res, status: number, error: string, description?: string | RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.equal(typeof res.body.error_description, 'string');
  if (typeof description === 'string') assert.equal(res.body.error_description, description);
  else if (description) assert.match(res.body.error_description, description);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
}

/** RFC 6749 §5.2: 401 with a challenge for the scheme the client used (RFC 7235 §3.1, RFC 7617 §2). */
function assertBasicChallenge(res: Res): void {
  assertError(res, 401, 'invalid_client');
  assert.match(String(res.headers['www-authenticate']), /^Basic\b/i);
  assert.match(String(res.headers['www-authenticate']), /realm="[^"]*"/);
}

// ---- Successful authentication ----

test('RFC 6749 §2.3.1: client_secret_basic with the form-urlencoded id and secret', async (t) => {
  const tg = await start(t);
  const res = await tg.token(aliceLogin, { basic: webClient });
  assertOk(res);
  assert.equal(decodeJwt(res.body.access_token).client_id, 'web');
});

test('RFC 6749 §2.3.1: a Basic secret with characters that need encoding is form-urldecoded', async (t) => {
  const tg = await startWithOddClients(t);
  // The helper encodes with encodeURIComponent and "+" for spaces: a+b%3Ac%25d%2B%C3%A9-...
  const res = await tg.token(aliceLogin, { basic: ['odd', ODD_SECRET] });
  assertOk(res);
  assert.equal(decodeJwt(res.body.access_token).client_id, 'odd');
  // %20 for the space is the same form encoding as "+".
  const pct = await withAuthorization(tg, rawBasic(`odd:${encodeURIComponent(ODD_SECRET)}`));
  assertOk(pct);
});

test('RFC 6749 §2.3.1: a Basic secret sent without form-urlencoding is not the secret', async (t) => {
  const tg = await startWithOddClients(t);
  // "%d+" is no percent-encoding: a malformed credential, not a guess at what was meant.
  assertBasicChallenge(await withAuthorization(tg, rawBasic(`odd:${ODD_SECRET}`)));
  // Decoding happens exactly once: the doubly encoded secret is a wrong one.
  const twice = encodeURIComponent(encodeURIComponent(ODD_SECRET));
  assertBasicChallenge(await withAuthorization(tg, rawBasic(`odd:${twice}`)));
  // "+" is a space, not a plus: a secret whose plus was left as "+" does not match.
  const plusLeft = encodeURIComponent(ODD_SECRET).replace('%2B', '+');
  assertBasicChallenge(await withAuthorization(tg, rawBasic(`odd:${plusLeft}`)));
});

test('RFC 6749 §2.3.1 / RFC 7235 §2.1: the Basic scheme name is case-insensitive', async (t) => {
  const tg = await start(t);
  const credentials = basicAuth(...webClient).slice('Basic '.length);
  assertOk(await withAuthorization(tg, `basic ${credentials}`));
  assertOk(await withAuthorization(tg, `BASIC ${credentials}`));
});

test('RFC 6749 §2.3.1: client_secret_post with client_id and client_secret in the body', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, client_id: 'post', client_secret: SECRET });
  assertOk(res);
  assert.equal(decodeJwt(res.body.access_token).client_id, 'post');
});

test('RFC 6749 §2.3.1: client_secret_post with a secret that needs encoding', async (t) => {
  const tg = await startWithOddClients(t);
  assertOk(await tg.token({ ...aliceLogin, client_id: 'odd-post', client_secret: ODD_SECRET }));
  // The same in a JSON body.
  const res = await tg.app.inject({
    method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ ...aliceLogin, client_id: 'odd-post', client_secret: ODD_SECRET }),
  });
  assert.equal(res.statusCode, 200, res.body);
});

test('RFC 6749 §2.1 / §3.2.1: a public client authenticates with client_id alone (none)', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...realmLogin, client_id: 'mobile' });
  assertOk(res);
  assert.equal(decodeJwt(res.body.access_token).client_id, 'mobile');
});

test('RFC 6749 §2.3.1: a Basic client may repeat its client_id in the body', async (t) => {
  const tg = await start(t);
  assertOk(await tg.token({ ...aliceLogin, client_id: 'web' }, { basic: webClient }));
});

// ---- invalid_client (RFC 6749 §5.2) ----

test('RFC 6749 §5.2: a wrong secret via Basic is 401 invalid_client with WWW-Authenticate: Basic', async (t) => {
  const tg = await start(t);
  const res = await tg.token(aliceLogin, { basic: ['web', `${SECRET}x`] });
  assertBasicChallenge(res);
  assert.equal(res.body.error_description, 'Client authentication failed.');
  // An empty secret is a wrong one too.
  assertBasicChallenge(await withAuthorization(tg, rawBasic('web:')));
});

test('RFC 6749 §5.2: a wrong secret in the body is 400 invalid_client', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, client_id: 'post', client_secret: `${SECRET}x` });
  assertError(res, 400, 'invalid_client', 'Client authentication failed.');
});

test('RFC 6749 §5.2: an unknown client is invalid_client, whatever the method', async (t) => {
  const tg = await start(t);
  assertBasicChallenge(await tg.token(aliceLogin, { basic: ['nobody', SECRET] }));
  assertError(await tg.token({ ...aliceLogin, client_id: 'nobody', client_secret: SECRET }), 400, 'invalid_client');
  assertError(await tg.token({ ...realmLogin, client_id: 'nobody' }), 400, 'invalid_client');
});

test('RFC 6749 §5.2: an unknown client and a wrong secret get the same answer', async (t) => {
  const tg = await start(t);
  const unknown = await tg.token(aliceLogin, { basic: ['nobody', SECRET] });
  const wrong = await tg.token(aliceLogin, { basic: ['web', 'wrong'] });
  assert.deepEqual(
    [unknown.status, unknown.body, unknown.headers['www-authenticate']],
    [wrong.status, wrong.body, wrong.headers['www-authenticate']],
  );
});

test('RFC 6749 §2.3.1: the secret methods are two placements of one secret (as at Auth0): either is accepted for either', async (t) => {
  const tg = await start(t);
  assert.equal((await tg.token({ ...aliceLogin, client_id: 'web', client_secret: SECRET })).status, 200);
  assert.equal((await tg.token(aliceLogin, { basic: ['post', SECRET] })).status, 200);
});

test('RFC 6749 §2.3 / §5.2: a confidential client presenting only its client_id is invalid_client', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...aliceLogin, client_id: 'web' }), 400, 'invalid_client');
  assertError(await tg.token({ ...aliceLogin, client_id: 'post' }), 400, 'invalid_client');
});

test('RFC 6749 §2.1 / §5.2: a public client presenting a secret is invalid_client', async (t) => {
  const tg = await start(t);
  assertError(await tg.token({ ...realmLogin, client_id: 'mobile', client_secret: SECRET }), 400, 'invalid_client');
  assertBasicChallenge(await tg.token(realmLogin, { basic: ['mobile', SECRET] }));
  assertBasicChallenge(await withAuthorization(tg, rawBasic('mobile:'), realmLogin));
});

test('RFC 6749 §2.3: Basic credentials plus client_secret in the body is invalid_request', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, client_id: 'web', client_secret: SECRET }, { basic: webClient });
  assertError(res, 400, 'invalid_request', /more than one authentication method/);
  // Also without client_id in the body.
  assertError(await tg.token({ ...aliceLogin, client_secret: SECRET }, { basic: webClient }), 400, 'invalid_request');
});

test('RFC 6749 §2.3: a body client_id differing from the Basic one is invalid_request', async (t) => {
  const tg = await start(t);
  const res = await tg.token({ ...aliceLogin, client_id: 'post' }, { basic: webClient });
  assertError(res, 400, 'invalid_request', /client_id/);
  // Case matters: client identifiers are compared exactly.
  assertError(await tg.token({ ...aliceLogin, client_id: 'WEB' }, { basic: webClient }), 400, 'invalid_request');
});

test('RFC 6749 §2.3.1 / RFC 7617 §2: a malformed Basic header is 401 invalid_client', async (t) => {
  const tg = await start(t);
  const malformed = [
    'Basic',
    'Basic ',
    'Basic !!!!',
    'Basic d2Vi OnNlY3JldA==', // space inside the credentials
    `Basic ${Buffer.from('web').toString('base64')}`, // no colon
    rawBasic(`:${SECRET}`), // empty client id
    rawBasic(`web:${'%ZZ'}`), // broken percent-encoding in the secret
    rawBasic('w%eb:secret'), // broken percent-encoding in the id
    rawBasic('web:%FF'), // percent-encoded bytes that are not UTF-8
  ];
  for (const header of malformed) {
    const res = await withAuthorization(tg, header);
    assert.equal(res.status, 401, `${header}: ${JSON.stringify(res.body)}`);
    assertBasicChallenge(res);
  }
});

test('RFC 6749 §5.2: a request without any client credentials is invalid_client', async (t) => {
  const tg = await start(t);
  const res = await tg.token(aliceLogin);
  assertError(res, 400, 'invalid_client', /required/);
  // Empty credentials count as absent (RFC 6749 §3.2).
  assertError(await tg.token({ ...aliceLogin, client_id: '', client_secret: '' }), 400, 'invalid_client');
});

test('RFC 6749 §5.2: another scheme in the Authorization header (Digest, Bearer) is a failed attempt through it: 401 with a Basic challenge', async (t) => {
  const tg = await start(t);
  for (const authorization of ['Bearer abc', 'Digest username="web", realm="tollgate", nonce="x", uri="/oauth/token", response="y"', 'Negotiate abc']) {
    assertBasicChallenge(await withAuthorization(tg, authorization));
    // Even with credentials in the body: the header was used, and says something else.
    assertBasicChallenge(await withAuthorization(tg, authorization, { ...aliceLogin, client_id: 'post', client_secret: SECRET }));
  }
});

test('RFC 6749 §3.2.1: client authentication is checked before the grant is looked at', async (t) => {
  const tg = await start(t);
  // Wrong secret plus an unsupported grant type and a wrong password: the client error wins.
  assertBasicChallenge(await tg.token({ ...aliceLogin, grant_type: 'urn:nope', password: 'wrong' }, { basic: ['web', 'wrong'] }));
  // And the resource owner's password is never verified for an unauthenticated client.
  const before = tg.hasher.verifications;
  await tg.token(aliceLogin, { basic: ['web', 'wrong'] });
  assert.equal(tg.hasher.verifications, before);
});
