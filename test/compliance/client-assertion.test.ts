/**
 * Black-box tests of JWT client assertions at the token, revocation and introspection endpoints: RFC 7523 §2.2
 * and §3 (iss, sub, aud, exp, jti), OIDC Core §9 (client_secret_jwt, private_key_jwt), RFC 7521 §4.2, with real
 * assertions signed by jose, keys inline (jwks) or served over HTTP (jwks_uri), and replays across nodes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { API, ISSUER, NOW, PASSWORD, aliceLogin, start, type TestTollgate } from '../helpers/tollgate.ts';
import { nodesOnPostgres } from '../helpers/nodes.ts';
import { assertInvalidClient, assertIssuedTo, assertWrongMethod } from '../helpers/client-auth.ts';
import type { ConfigInput } from '../../src/config/schema.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_URL = `${ISSUER}/oauth/token`;
const HMAC_SECRET = 'client-secret-jwt-secret-0123456789abcdefghijklmnop';

interface KeyPair {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function keyPair(alg: string, kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
}

const rsa = await keyPair('RS256', 'rsa-1');
const ec = await keyPair('ES256', 'ec-1');
const stranger = await keyPair('RS256', 'rsa-1');

interface Claims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  jti?: string;
}

/** A client assertion (RFC 7523 §3), by default valid for `client` for 60 s from the frozen clock. */
function assertion(key: CryptoKey | Uint8Array, client: string, options: { alg?: string; kid?: string; claims?: Claims; omit?: (keyof Claims)[] } = {}): Promise<string> {
  const claims: Claims = { iss: client, sub: client, aud: TOKEN_URL, iat: NOW, exp: NOW + 60, jti: randomUUID(), ...options.claims };
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: options.alg ?? 'RS256', ...(options.kid ? { kid: options.kid } : {}) }).sign(key);
}

const hmacKey = new TextEncoder().encode(HMAC_SECRET);

function withAssertionClients(c: ConfigInput): void {
  c.apis![0]!.scopes!.push('report');
  c.clients!.push(
    { client_id: 'signed', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [rsa.jwk] }, grant_types: ['password', 'client_credentials'], api_grants: { [API]: ['read:items'] }, introspection: true },
    { client_id: 'signed-ec', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [ec.jwk] }, grant_types: ['password'] },
    { client_id: 'hmac', token_endpoint_auth_method: 'client_secret_jwt', client_secret: HMAC_SECRET, grant_types: ['password'] },
  );
}

async function startWithAssertions(t: { after(fn: () => Promise<void>): void }, modify: (c: ConfigInput) => void = () => {}): Promise<TestTollgate> {
  return start(t, (c) => {
    withAssertionClients(c);
    modify(c);
  });
}

const withAssertion = (jwt: string, params: Record<string, string> = aliceLogin) => ({ ...params, client_assertion_type: JWT_BEARER, client_assertion: jwt });

// ---- Success ----

test('RFC 7523 §2.2 / OIDC Core §9: private_key_jwt with an RS256 assertion from the client\'s jwks', async (t) => {
  const tg = await startWithAssertions(t);
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { kid: 'rsa-1' }))), 'signed');
  // A key without a kid is found by its type; client_id may be sent too when it names the same client (RFC 7523 §3).
  assertIssuedTo(await tg.token({ ...withAssertion(await assertion(rsa.privateKey, 'signed')), client_id: 'signed' }), 'signed');
  const cc = await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed'), { grant_type: 'client_credentials', audience: API }));
  assertIssuedTo(cc, 'signed');
});

test('RFC 7523 §3: the audience may be the token endpoint URL or the issuer', async (t) => {
  const tg = await startWithAssertions(t);
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { aud: ISSUER } }))), 'signed');
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { aud: ['https://elsewhere.example', TOKEN_URL] } }))), 'signed');
});

test('OIDC Core §9: private_key_jwt with the ES256 algorithm the client registered', async (t) => {
  const tg = await startWithAssertions(t);
  assertIssuedTo(await tg.token(withAssertion(await assertion(ec.privateKey, 'signed-ec', { alg: 'ES256' }))), 'signed-ec');
});

test('OIDC Core §9: client_secret_jwt with an HS256 assertion keyed by the client secret', async (t) => {
  const tg = await startWithAssertions(t);
  assertIssuedTo(await tg.token(withAssertion(await assertion(hmacKey, 'hmac', { alg: 'HS256' }))), 'hmac');
});

test('RFC 7523 §2.2: assertions authenticate at the revocation and introspection endpoints too', async (t) => {
  const tg = await startWithAssertions(t);
  const login = await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed')));
  assertIssuedTo(login, 'signed');
  const form = async (url: string, params: Record<string, string>) => {
    const res = await tg.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(params).toString() });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  const active = await form('/oauth/introspect', withAssertion(await assertion(rsa.privateKey, 'signed'), { token: login.body.access_token }));
  assert.equal(active.status, 200);
  assert.equal(active.body.active, true);
  const revoked = await form('/oauth/revoke', withAssertion(await assertion(rsa.privateKey, 'signed'), { token: login.body.access_token }));
  assert.equal(revoked.status, 200);
  const inactive = await form('/oauth/introspect', withAssertion(await assertion(rsa.privateKey, 'signed'), { token: login.body.access_token }));
  assert.deepEqual(inactive.body, { active: false });
});

// ---- Rejections: claims ----

test('RFC 7523 §3 item 3: an assertion for another audience is refused', async (t) => {
  const tg = await startWithAssertions(t);
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { aud: 'https://other.example/oauth/token' } }))));
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { omit: ['aud'] }))));
});

test('RFC 7523 §3 item 4: an expired assertion, one without exp, and one that lives over five minutes are refused', async (t) => {
  const tg = await startWithAssertions(t);
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { iat: NOW - 120, exp: NOW - 60 } }))));
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { omit: ['exp'] }))));
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { exp: NOW + 3600 } }))));
  // Just inside the limit (five minutes) is fine; an assertion whose exp passed during the request's flight is not.
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { exp: NOW + 300 } }))), 'signed');
  const soon = await assertion(rsa.privateKey, 'signed', { claims: { exp: NOW + 10 } });
  tg.advance(60);
  assertInvalidClient(await tg.token(withAssertion(soon)));
});

test('RFC 7523 §3 items 1-2: iss and sub must both be the client_id', async (t) => {
  const tg = await startWithAssertions(t);
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { iss: 'someone-else' } }))));
  // The sub names the client looked up; signed by that client's key but issued as another, it is still refused.
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { omit: ['iss'] }))));
  const noSub = await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { omit: ['sub'] })));
  assert.equal(noSub.status, 400);
  assert.equal(noSub.body.error, 'invalid_client');
});

test('RFC 7523 §3 item 7: a jti is used once; a replay is refused until the assertion expires', async (t) => {
  const tg = await startWithAssertions(t);
  const jwt = await assertion(rsa.privateKey, 'signed');
  assertIssuedTo(await tg.token(withAssertion(jwt)), 'signed');
  assertInvalidClient(await tg.token(withAssertion(jwt)));
  // The same jti in a fresh assertion is a replay too; another client's jti space is its own.
  const jti = randomUUID();
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { jti } }))), 'signed');
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { claims: { jti, exp: NOW + 120 } }))));
  assertIssuedTo(await tg.token(withAssertion(await assertion(hmacKey, 'hmac', { alg: 'HS256', claims: { jti } }))), 'hmac');
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'signed', { omit: ['jti'] }))));
});

test('RFC 7523 §3 item 7: a replay is refused on another node sharing the database', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, withAssertionClients);
  const jwt = await assertion(rsa.privateKey, 'signed');
  const [first, second] = [await a!.token(withAssertion(jwt)), await b!.token(withAssertion(jwt))];
  assertIssuedTo(first, 'signed');
  assertInvalidClient(second);
  // Raced on both nodes at once, exactly one wins.
  const raced = await assertion(rsa.privateKey, 'signed');
  const results = await Promise.all([a!, b!, a!, b!].map((node) => node.token(withAssertion(raced))));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400]);
});

// ---- Rejections: keys and algorithms ----

test('RFC 7523 §3 item 9: an assertion signed with a key the client did not register is refused', async (t) => {
  const tg = await startWithAssertions(t);
  assertInvalidClient(await tg.token(withAssertion(await assertion(stranger.privateKey, 'signed', { kid: 'rsa-1' }))));
  assertInvalidClient(await tg.token(withAssertion(await assertion(new TextEncoder().encode(`${HMAC_SECRET}-wrong`), 'hmac', { alg: 'HS256' }))));
});

test('RFC 8725 §3.1 / RFC 7523 §3: alg none and algorithms the client did not register are refused', async (t) => {
  const tg = await startWithAssertions(t);
  const unsigned = (client: string) => {
    const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    return `${enc({ alg: 'none' })}.${enc({ iss: client, sub: client, aud: TOKEN_URL, exp: NOW + 60, jti: randomUUID() })}.`;
  };
  assertInvalidClient(await tg.token(withAssertion(unsigned('signed'))));
  assertWrongMethod(await tg.token(withAssertion(unsigned('hmac'))), 'client_secret_jwt', 'private_key_jwt');
  // The same RSA key with PS256 instead of the registered RS256.
  const samePrivateKey = await importJWK(await exportJWK(rsa.privateKey), 'PS256') as CryptoKey;
  assertInvalidClient(await tg.token(withAssertion(await assertion(samePrivateKey, 'signed', { alg: 'PS256' }))));
  // HS384 with the right secret, but the client registered HS256.
  assertInvalidClient(await tg.token(withAssertion(await assertion(hmacKey, 'hmac', { alg: 'HS384' }))));
  // Key confusion: an HMAC keyed with the client's public key is a client_secret_jwt, not its private_key_jwt.
  const publicAsSecret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
  assertWrongMethod(await tg.token(withAssertion(await assertion(publicAsSecret, 'signed', { alg: 'HS256' }))), 'private_key_jwt', 'client_secret_jwt');
  // And a client_secret_jwt client cannot switch to a key pair.
  assertWrongMethod(await tg.token(withAssertion(await assertion(rsa.privateKey, 'hmac'))), 'client_secret_jwt', 'private_key_jwt');
});

// ---- Rejections: the request ----

test('RFC 7521 §4.2: a wrong or missing client_assertion_type, or a missing assertion, is invalid_request', async (t) => {
  const tg = await startWithAssertions(t);
  const jwt = await assertion(rsa.privateKey, 'signed');
  for (const params of [
    { ...aliceLogin, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: jwt },
    { ...aliceLogin, client_assertion: jwt },
    { ...aliceLogin, client_assertion_type: JWT_BEARER },
  ]) {
    const res = await tg.token(params);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request', JSON.stringify(params));
  }
});

test('RFC 6749 §2.3 / RFC 7523 §3: an assertion with a client secret too, or naming another client_id, is invalid_request', async (t) => {
  const tg = await startWithAssertions(t);
  const twoMethods = await tg.token({ ...withAssertion(await assertion(hmacKey, 'hmac', { alg: 'HS256' })), client_id: 'hmac', client_secret: HMAC_SECRET });
  assert.equal(twoMethods.status, 400);
  assert.equal(twoMethods.body.error, 'invalid_request');
  const otherId = await tg.token({ ...withAssertion(await assertion(rsa.privateKey, 'signed')), client_id: 'web' });
  assert.equal(otherId.status, 400);
  assert.equal(otherId.body.error, 'invalid_request');
});

test('RFC 7523 §3: a malformed assertion is invalid_client, never a server error', async (t) => {
  const tg = await startWithAssertions(t);
  for (const junk of ['not-a-jwt', 'a.b.c', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.bm90IGpzb24.c2ln`, 'e'.repeat(10_000)]) {
    const res = await tg.token(withAssertion(junk));
    assert.equal(res.status, 400, junk.slice(0, 20));
    assert.equal(res.body.error, 'invalid_client');
  }
});

test('RFC 7523 §3: a client registered for a secret cannot authenticate with an assertion, nor a key-pair client with a secret', async (t) => {
  const tg = await startWithAssertions(t, (c) => {
    c.clients!.push({ client_id: 'web-keys', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [stranger.jwk] }, grant_types: ['password'] });
  });
  // "post" is a client_secret_post client: a well-formed assertion in its name is the wrong method.
  assertWrongMethod(await tg.token(withAssertion(await assertion(rsa.privateKey, 'post'))), 'client_secret_post', 'private_key_jwt');
  assertWrongMethod(await tg.token({ ...aliceLogin, client_id: 'signed', client_secret: 'anything' }), 'private_key_jwt', 'client_secret_post');
  assertWrongMethod(await tg.token({ ...aliceLogin, client_id: 'signed' }), 'private_key_jwt', 'none');
});

// ---- jwks_uri ----

/** An HTTP server serving a JWK Set that the test can change, counting requests. */
async function jwksServer(t: { after(fn: () => Promise<void>): void }, initial: JWK[]): Promise<{ url: string; keys: JWK[]; hits: () => number; down: (v: boolean) => void }> {
  let keys = initial;
  let hits = 0;
  let down = false;
  const server: Server = createServer((_req, res) => {
    hits++;
    if (down) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get keys() { return keys; },
    set keys(value: JWK[]) { keys = value; },
    hits: () => hits,
    down: (value: boolean) => { down = value; },
  };
}

test('OIDC Core §10.1.1: keys from jwks_uri are fetched once, cached, and fetched again for a kid the set lacks (the client rotated)', async (t) => {
  const served = await jwksServer(t, [rsa.jwk]);
  const tg = await start(t, (c) => {
    c.clients!.push({ client_id: 'remote', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: served.url, grant_types: ['password'] });
  });
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'remote', { kid: 'rsa-1' }))), 'remote');
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'remote', { kid: 'rsa-1' }))), 'remote');
  assert.equal(served.hits(), 1, 'cached');
  // The client rotates to a new key: an assertion with its kid makes Tollgate fetch the set again, once.
  const next = await keyPair('RS256', 'rsa-2');
  served.keys = [rsa.jwk, next.jwk];
  tg.advance(31);
  assertIssuedTo(await tg.token(withAssertion(await assertion(next.privateKey, 'remote', { kid: 'rsa-2' }))), 'remote');
  assert.equal(served.hits(), 2);
  // Made-up kids do not make Tollgate hammer the client's server: one refetch per 30 s at most.
  for (let i = 0; i < 3; i++) assertInvalidClient(await tg.token(withAssertion(await assertion(stranger.privateKey, 'remote', { kid: `bogus-${i}` }))));
  assert.equal(served.hits(), 2);
  tg.advance(31);
  assertInvalidClient(await tg.token(withAssertion(await assertion(stranger.privateKey, 'remote', { kid: 'bogus-late' }))));
  assert.equal(served.hits(), 3);
});

test('OIDC Core §10.1.1: an unreachable jwks_uri is invalid_client, and keys fetched before it went down stay in use', async (t) => {
  const served = await jwksServer(t, [rsa.jwk]);
  served.down(true);
  const tg = await start(t, (c) => {
    c.clients!.push({ client_id: 'remote', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: served.url, grant_types: ['password'] });
  });
  assertInvalidClient(await tg.token(withAssertion(await assertion(rsa.privateKey, 'remote'))));
  served.down(false);
  tg.advance(31);
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'remote'))), 'remote');
  served.down(true);
  tg.advance(601);
  const later = NOW + 31 + 601;
  assertIssuedTo(await tg.token(withAssertion(await assertion(rsa.privateKey, 'remote', { claims: { iat: later, exp: later + 60 } }))), 'remote');
  assert.equal(served.hits(), 3, 'the expired cache was fetched again, and the failure fell back to the keys fetched before');
});

// ---- Secrecy ----

test('RFC 7523 §3 / RFC 6819 §5.1.4: assertions and the HMAC secret never reach logs, events or error bodies', async (t) => {
  const tg = await startWithAssertions(t, (c) => { c.log_level = 'trace'; });
  const sent: string[] = [];
  const send = async (jwt: string) => {
    sent.push(jwt);
    return tg.token(withAssertion(jwt));
  };
  const bodies = [
    await send(await assertion(rsa.privateKey, 'signed')),
    await send(await assertion(hmacKey, 'hmac', { alg: 'HS256' })),
    await send(await assertion(stranger.privateKey, 'signed')),
    await send(await assertion(hmacKey, 'hmac', { alg: 'HS256', claims: { aud: 'https://wrong.example' } })),
    await send('not-a-jwt-but-secret-looking-0123456789'),
  ].map((r) => JSON.stringify(r.body));
  const events = JSON.stringify(await tg.store.events.listEvents({ limit: 100 }));
  const haystacks = [tg.logs.join('\n'), events, ...bodies.map((b) => b.replace(/"(access|id)_token":"[^"]+"/g, ''))];
  for (const secret of [HMAC_SECRET, ...sent, ...sent.map((jwt) => jwt.split('.')[2] ?? '').filter((s) => s.length > 10)]) {
    for (const haystack of haystacks) assert.ok(!haystack.includes(secret), `${secret.slice(0, 24)}... leaked`);
  }
  assert.ok(events.includes('"client_id":"signed"'), 'refused assertions are still attributed to the client they claim');
  assert.ok(tg.logs.some((l) => l.includes('invalid_client')), 'refusals are logged');
});

test('RFC 6749 §4.3.2: a refused assertion stops the password grant before any password is verified', async (t) => {
  const tg = await startWithAssertions(t);
  const before = tg.hasher.verifications;
  assertInvalidClient(await tg.token(withAssertion(await assertion(stranger.privateKey, 'signed'), { ...aliceLogin, password: PASSWORD })));
  assert.equal(tg.hasher.verifications, before);
});
