/**
 * The demo's sample API (examples/demo/api) as a resource server, over real sockets: access tokens verified with
 * jose (signature, issuer, audience), DPoP-bound tokens only with a proof for this request, this token and the bound
 * key (RFC 9449 §7.1), each proof once, and scopes (403 insufficient_scope, RFC 6750 §3.1). Also the demo's accounts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, type KeyObject, SignJWT } from 'jose';
import { type Demo, startDemo } from '../../examples/demo/start.ts';
import { totpCode } from '../../src/mfa/totp.ts';
import { freePort } from '../helpers/private-services.ts';

type Key = { privateKey: CryptoKey | KeyObject; publicKey: CryptoKey | KeyObject };
const REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';

async function dpopProof(key: Key, method: string, url: string, accessToken?: string, jti: string = crypto.randomUUID()): Promise<string> {
  const ath = accessToken === undefined ? {} : { ath: createHash('sha256').update(accessToken).digest('base64url') };
  return new SignJWT({ htm: method, htu: url, ...ath })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(key.publicKey) })
    .setIssuedAt().setJti(jti).sign(key.privateKey);
}

describe('the demo\'s sample API', { timeout: 30_000 }, () => {
  let demo: Demo;
  let key: Key;
  const tokens: Record<string, string> = {};

  const token = async (params: Record<string, string>) => {
    const url = `${demo.issuer}/oauth/token`;
    const res = await fetch(url, { method: 'POST', headers: { dpop: await dpopProof(key, 'POST', url) }, body: new URLSearchParams({ client_id: 'demo-web', ...params }) });
    return { status: res.status, body: await res.json() };
  };
  const items = async (headers: Record<string, string>, method = 'GET', body?: unknown) => {
    const res = await fetch(`${demo.apiUrl}/items`, { method, headers: { ...headers, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') };
  };
  const withProof = async (accessToken: string, method = 'GET', signer = key) => ({
    authorization: `DPoP ${accessToken}`, dpop: await dpopProof(signer, method, `${demo.apiUrl}/items`, accessToken),
  });

  before(async () => {
    demo = await startDemo({ ports: { web: await freePort(), tollgate: await freePort(), api: await freePort() } });
    key = await generateKeyPair('ES256');
    const scope = 'openid offline_access read:items write:items';
    const alice = await token({ grant_type: REALM_GRANT, realm: 'customers', username: 'alice', password: 'A3ddj3w', scope, audience: 'https://items.example.com' });
    assert.equal(alice.status, 200, JSON.stringify(alice.body));
    assert.equal(alice.body.token_type, 'DPoP');
    assert.equal(alice.body.scope, 'openid offline_access read:items');
    tokens.alice = alice.body.access_token;
    const ada = await token({ grant_type: REALM_GRANT, realm: 'employees', username: 'ada', password: 'Analytical-Engine-1843', scope, audience: 'https://items.example.com' });
    assert.equal(ada.body.error, 'mfa_required', 'employees always answer a second factor');
    const second = await token({ grant_type: 'http://auth0.com/oauth/grant-type/mfa-otp', mfa_token: ada.body.mfa_token, otp: totpCode('JBSWY3DPEHPK3PXP', Math.floor(Date.now() / 1000)) });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.scope, scope);
    tokens.ada = second.body.access_token;
  });
  after(() => demo?.close());

  test('GET /items with read:items and a proof: 200; POST /items needs write:items (403 insufficient_scope for a Customer)', async () => {
    assert.equal((await items(await withProof(tokens.alice!))).status, 200);
    const denied = await items(await withProof(tokens.alice!, 'POST'), 'POST', { name: 'cake' });
    assert.deepEqual([denied.status, denied.body.error], [403, 'insufficient_scope']);
    assert.match(denied.challenge!, /^DPoP error="insufficient_scope", .*scope="write:items"/);
    const written = await items(await withProof(tokens.ada!, 'POST'), 'POST', { name: 'Bernoulli numbers' });
    assert.equal(written.status, 201);
    assert.ok((await items(await withProof(tokens.ada!))).body.items.some((i: { name: string }) => i.name === 'Bernoulli numbers'));
  });

  test('a DPoP-bound token is refused as a bearer token, without a proof, and with a proof for another method, URL, token or key', async () => {
    const other = await generateKeyPair('ES256');
    const url = `${demo.apiUrl}/items`;
    const refusals: [string, Record<string, string>, string][] = [
      ['as Bearer', { authorization: `Bearer ${tokens.alice}`, dpop: await dpopProof(key, 'GET', url, tokens.alice) }, 'invalid_token'],
      ['no proof', { authorization: `DPoP ${tokens.alice}` }, 'invalid_token'],
      ['another method', { authorization: `DPoP ${tokens.alice}`, dpop: await dpopProof(key, 'POST', url, tokens.alice) }, 'invalid_dpop_proof'],
      ['another URL', { authorization: `DPoP ${tokens.alice}`, dpop: await dpopProof(key, 'GET', `${url}x`, tokens.alice) }, 'invalid_dpop_proof'],
      ['another token', { authorization: `DPoP ${tokens.alice}`, dpop: await dpopProof(key, 'GET', url, tokens.ada) }, 'invalid_dpop_proof'],
      ['another key', await withProof(tokens.alice!, 'GET', other), 'invalid_dpop_proof'],
      ['no token', {}, 'invalid_request'],
      ['a forged token', { authorization: `DPoP ${tokens.alice!.slice(0, -4)}AAAA`, dpop: await dpopProof(key, 'GET', url, tokens.alice) }, 'invalid_token'],
    ];
    for (const [what, headers, error] of refusals) {
      const res = await items(headers);
      assert.deepEqual([res.status, res.body.error], [401, error], what);
      assert.match(res.challenge!, /^DPoP /, what);
    }
  });

  test('a proof is accepted once', async () => {
    const headers = await withProof(tokens.alice!);
    assert.equal((await items(headers)).status, 200);
    assert.deepEqual([(await items(headers)).status, (await items(headers)).body.error], [401, 'invalid_dpop_proof']);
  });

  test('CORS: the app\'s origin only', async () => {
    const preflight = (origin: string) => fetch(`${demo.apiUrl}/items`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight(demo.appUrl);
    assert.equal(allowed.headers.get('access-control-allow-origin'), demo.appUrl);
    assert.equal(allowed.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, DPoP');
    const stranger = await preflight('https://evil.example.net');
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
  });
});
