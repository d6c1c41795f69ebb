/**
 * What Auth0's SDKs need of the token endpoint, over HTTP: an issuer written with a trailing slash, as Auth0's are
 * (kept in iss and discovery, never doubled in endpoint URLs), assertions whose aud is the issuer with or without
 * it (RFC 7523 §3), the client secret accepted in the header or the body for either secret method, as Auth0's
 * token endpoint does, and RFC 9864's fully specified `Ed25519` beside `EdDSA` for assertions and DPoP proofs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { NOW, SECRET, aliceLogin, start } from '../helpers/tollgate.ts';
import { assertInvalidClient, assertIssuedTo } from '../helpers/client-auth.ts';

const SLASHED = 'https://tenant.example.com/';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ed = await generateKeyPair('Ed25519', { extractable: true });
const edJwk = { ...(await exportJWK(ed.publicKey)), kid: 'ed-1' };

function slashedIssuer(t: Parameters<typeof start>[0]) {
  return start(t, (c) => {
    c.issuer = SLASHED;
    c.clients!.push({ client_id: 'signed-ed', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'EdDSA', jwks: { keys: [edJwk] }, grant_types: ['password'] });
  });
}

function edAssertion(aud: string, alg = 'Ed25519'): Promise<string> {
  return new SignJWT({ iss: 'signed-ed', sub: 'signed-ed', aud, iat: NOW, exp: NOW + 60, jti: randomUUID() })
    .setProtectedHeader({ alg, kid: 'ed-1' }).sign(ed.privateKey);
}

test('an issuer with a trailing slash keeps it in iss and discovery; endpoint URLs never hold //', async (t) => {
  const tg = await slashedIssuer(t);
  const doc = (await tg.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
  assert.equal(doc.issuer, SLASHED);
  for (const [name, value] of Object.entries(doc)) {
    if (typeof value === 'string' && value.startsWith('https://')) assert.ok(!value.slice('https://'.length).includes('//'), `${name}: ${value}`);
  }
  assert.equal(doc.token_endpoint, 'https://tenant.example.com/oauth/token');
  assert.equal((await tg.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).statusCode, 200);
  const res = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: ['web', SECRET] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(decodeJwt(res.body.id_token).iss, SLASHED);
  assert.equal(decodeJwt(res.body.access_token).iss, SLASHED);
});

test('RFC 7523 §3: an assertion\'s aud may be the issuer with or without its trailing slash, or the token endpoint', async (t) => {
  const tg = await slashedIssuer(t);
  for (const aud of [SLASHED, 'https://tenant.example.com', 'https://tenant.example.com/oauth/token']) {
    const res = await tg.token({ ...aliceLogin, client_assertion_type: JWT_BEARER, client_assertion: await edAssertion(aud) });
    assertIssuedTo(res, 'signed-ed');
  }
  assertInvalidClient(await tg.token({ ...aliceLogin, client_assertion_type: JWT_BEARER, client_assertion: await edAssertion('https://other.example.com/') }));
});

test('RFC 9864: a client registered for EdDSA may sign its assertion as Ed25519 or EdDSA; discovery lists both', async (t) => {
  const tg = await slashedIssuer(t);
  assertIssuedTo(await tg.token({ ...aliceLogin, client_assertion_type: JWT_BEARER, client_assertion: await edAssertion(SLASHED, 'EdDSA') }), 'signed-ed');
  const doc = (await tg.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
  for (const list of [doc.token_endpoint_auth_signing_alg_values_supported, doc.dpop_signing_alg_values_supported]) {
    assert.ok(list.includes('Ed25519') && list.includes('EdDSA'), JSON.stringify(list));
  }
});

test('RFC 9864 / RFC 9449 §4.3: a DPoP proof signed as Ed25519 binds the token, also where only EdDSA is configured', async (t) => {
  const tg = await start(t, (c) => { c.dpop = { signing_algs: ['EdDSA'] }; });
  const jwk = await exportJWK(ed.publicKey);
  const proof = await new SignJWT({ htm: 'POST', htu: 'http://tollgate.test/oauth/token', iat: NOW, jti: randomUUID() })
    .setProtectedHeader({ alg: 'Ed25519', typ: 'dpop+jwt', jwk }).sign(ed.privateKey);
  const res = await tg.token(aliceLogin, { basic: ['web', SECRET], headers: { dpop: proof } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.token_type, 'DPoP');
  assert.deepEqual(decodeJwt(res.body.access_token).cnf, { jkt: await calculateJwkThumbprint(jwk) });
});

test('as at Auth0: a client_secret_basic client may send its secret in the body, a client_secret_post one in Basic', async (t) => {
  const tg = await start(t);
  assertIssuedTo(await tg.token({ ...aliceLogin, client_id: 'web', client_secret: SECRET }), 'web');
  assertIssuedTo(await tg.token(aliceLogin, { basic: ['post', SECRET] }), 'post');
});

test('invalid_client names the registered method when another one is used, and never tells a wrong secret from an unknown client', async (t) => {
  const tg = await slashedIssuer(t);
  const mismatch = await tg.token(aliceLogin, { basic: ['signed-ed', SECRET] });
  assert.equal(mismatch.status, 401);
  assert.equal(mismatch.body.error_description, 'Client authentication failed: the client is registered for private_key_jwt, not client_secret_basic.');
  const wrong = await tg.token({ ...aliceLogin, client_id: 'web', client_secret: 'wrong' });
  const unknown = await tg.token({ ...aliceLogin, client_id: 'nobody', client_secret: 'wrong' });
  assertInvalidClient(wrong);
  assert.deepEqual([wrong.status, wrong.body], [unknown.status, unknown.body]);
  assert.ok(!JSON.stringify(wrong.body).includes('client_secret_basic'));
});
