/**
 * Black-box tests of DPoP (RFC 9449) with real proofs signed by jose: the token endpoint (§5) binds access tokens
 * (and a public client's refresh tokens) to the proof's key, every check of §4.3 refuses what it should, server
 * nonces (§8) work across nodes, /userinfo takes DPoP-bound tokens only with a proof carrying ath (§7), and
 * introspection and discovery say what they should (§6.2, §5.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, createHash } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { API, ISSUER, NOW, PASSWORD, REALM_GRANT, SECRET, aliceLogin, start, webClient, type Res, type TestTollgate } from '../helpers/tollgate.ts';
import { nodesOnPostgres } from '../helpers/nodes.ts';
import type { ConfigInput } from '../../src/config/schema.ts';

const TOKEN_URL = `${ISSUER}/oauth/token`;
const USERINFO_URL = `${ISSUER}/userinfo`;

interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

const key = await dpopKey();
const otherKey = await dpopKey();
const rsaKey = await dpopKey('RS256');

interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  accessToken?: string;
  nonce?: string;
  typ?: string;
  alg?: string;
  jwk?: JWK;
  omit?: string[];
}

/** A DPoP proof (RFC 9449 §4.2), by default for POST to the token endpoint at the frozen clock. */
async function proof(k: DpopKey, o: ProofOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: o.htm ?? 'POST', htu: o.htu ?? TOKEN_URL, iat: o.iat ?? NOW, jti: o.jti ?? randomUUID(),
    ...(o.accessToken ? { ath: createHash('sha256').update(o.accessToken).digest('base64url') } : {}),
    ...(o.nonce ? { nonce: o.nonce } : {}),
  };
  for (const name of o.omit ?? []) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'ES256', typ: o.typ ?? 'dpop+jwt', jwk: o.jwk ?? k.jwk }).sign(k.privateKey);
}

function withDpopClients(c: ConfigInput): void {
  const web = c.clients!.find((client) => client.client_id === 'web')!;
  web.grant_types = [...web.grant_types!, 'refresh_token', 'client_credentials'];
  web.api_grants = { [API]: ['read:items'] };
  web.introspection = true;
  const mobile = c.clients!.find((client) => client.client_id === 'mobile')!;
  mobile.grant_types = [...mobile.grant_types!, 'refresh_token'];
  c.clients!.push({ client_id: 'dpop-only', client_secret: SECRET, dpop_bound_access_tokens: true, grant_types: ['password'] });
}

async function startDpop(t: { after(fn: () => Promise<void>): void }, modify: (c: ConfigInput) => void = () => {}): Promise<TestTollgate> {
  return start(t, (c) => {
    withDpopClients(c);
    modify(c);
  });
}

const mobileLogin = { grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: PASSWORD, scope: 'openid offline_access' };

function assertDpopIssued(res: Res, k: DpopKey): void {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.token_type, 'DPoP');
  assert.deepEqual(decodeJwt(res.body.access_token).cnf, { jkt: k.jkt });
}

function assertProofRefused(res: Res): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, 'invalid_dpop_proof');
}

const dpop = (p: string) => ({ headers: { dpop: p } });

async function userinfo(tg: TestTollgate, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET'): Promise<Res> {
  const res = await tg.app.inject({ method, url: '/userinfo', headers });
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

// ---- The token endpoint (§5) ----

test('RFC 9449 §5: a token request with a DPoP proof gets token_type DPoP and an access token bound by cnf.jkt', async (t) => {
  const tg = await startDpop(t);
  assertDpopIssued(await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient, ...dpop(await proof(key)) }), key);
  assertDpopIssued(await tg.token({ grant_type: 'client_credentials', audience: API }, { basic: webClient, ...dpop(await proof(rsaKey, { alg: 'RS256' })) }), rsaKey);
  // Without a proof nothing changes.
  const bearer = await tg.token(aliceLogin, { basic: webClient });
  assert.equal(bearer.body.token_type, 'Bearer');
  assert.equal(decodeJwt(bearer.body.access_token).cnf, undefined);
});

test('RFC 9449 §4.3: htu is compared without query and fragment, after normalization', async (t) => {
  const tg = await startDpop(t);
  assertDpopIssued(await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key, { htu: 'HTTP://Tollgate.TEST:80/oauth/token?x=1#y' })) }), key);
});

test('RFC 9449 §4.3: each check refuses a proof with invalid_dpop_proof', async (t) => {
  const tg = await startDpop(t, (c) => { c.dpop = { signing_algs: ['ES256', 'RS256'] }; });
  const { privateKey: _private, ...publicPart } = key;
  const withPrivate = { ...(await exportJWK(key.privateKey)) };
  const psKey = await dpopKey('PS256');
  const cases: [string, string][] = [
    ['wrong htm', await proof(key, { htm: 'GET' })],
    ['wrong htu', await proof(key, { htu: `${ISSUER}/oauth/revoke` })],
    ['htu of another host', await proof(key, { htu: 'https://evil.example/oauth/token' })],
    ['iat too old', await proof(key, { iat: NOW - 61 })],
    ['iat in the future', await proof(key, { iat: NOW + 61 })],
    ['no jti', await proof(key, { omit: ['jti'] })],
    ['no htm', await proof(key, { omit: ['htm'] })],
    ['no htu', await proof(key, { omit: ['htu'] })],
    ['no iat', await proof(key, { omit: ['iat'] })],
    ['typ JWT', await proof(key, { typ: 'JWT' })],
    ['a private key in jwk', await proof(key, { jwk: withPrivate })],
    ['signed by another key than its jwk', await proof({ ...publicPart, privateKey: otherKey.privateKey } as DpopKey)],
    ['an algorithm not accepted', await proof(psKey, { alg: 'PS256' })],
    ['alg none', `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })).toString('base64url')}.${Buffer.from(JSON.stringify({ htm: 'POST', htu: TOKEN_URL, iat: NOW, jti: 'x' })).toString('base64url')}.`],
    ['HS256', await new SignJWT({ htm: 'POST', htu: TOKEN_URL, iat: NOW, jti: randomUUID() }).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk }).sign(new Uint8Array(32))],
    ['not a JWT', 'not-a-jwt'],
    ['two proofs', `${await proof(key)}, ${await proof(key)}`],
    ['too long', 'e'.repeat(9000)],
  ];
  for (const [name, p] of cases) {
    const res = await tg.token(aliceLogin, { basic: webClient, ...dpop(p) });
    assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error, 'invalid_dpop_proof', name);
  }
  // Inside the window either way is fine.
  assertDpopIssued(await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key, { iat: NOW - 60 })) }), key);
  assertDpopIssued(await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key, { iat: NOW + 60 })) }), key);
});

test('RFC 9449 §11.1: a proof is used once, on every node; a refused request does not use it up', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, withDpopClients);
  const p = await proof(key);
  assertDpopIssued(await a!.token(aliceLogin, { basic: webClient, ...dpop(p) }), key);
  assertProofRefused(await a!.token(aliceLogin, { basic: webClient, ...dpop(p) }));
  assertProofRefused(await b!.token(aliceLogin, { basic: webClient, ...dpop(p) }));
  // The same jti under another key is another proof.
  const jti = randomUUID();
  assertDpopIssued(await a!.token(aliceLogin, { basic: webClient, ...dpop(await proof(key, { jti })) }), key);
  assertDpopIssued(await b!.token(aliceLogin, { basic: webClient, ...dpop(await proof(otherKey, { jti })) }), otherKey);
  // A request refused before its proof is checked (here, its client authentication) does not use the proof up.
  const early = await proof(key);
  assert.equal((await a!.token(aliceLogin, { basic: ['web', 'wrong-secret'], ...dpop(early) })).body.error, 'invalid_client');
  assertDpopIssued(await b!.token(aliceLogin, { basic: webClient, ...dpop(early) }), key);
});

test('RFC 9449 §5.2: a client registered with dpop_bound_access_tokens must send a proof', async (t) => {
  const tg = await startDpop(t);
  assertProofRefused(await tg.token(aliceLogin, { basic: ['dpop-only', SECRET] }));
  assertDpopIssued(await tg.token(aliceLogin, { basic: ['dpop-only', SECRET], ...dpop(await proof(key)) }), key);
});

test('RFC 9449 §5: a public client\'s refresh token is bound to the proof key; a confidential client\'s is not', async (t) => {
  const tg = await startDpop(t);
  const login = await tg.token(mobileLogin, dpop(await proof(key)));
  assertDpopIssued(login, key);
  const refresh = async (token: string, k?: DpopKey, client: Record<string, string> = { client_id: 'mobile' }) =>
    tg.token({ grant_type: 'refresh_token', refresh_token: token, ...client }, k ? dpop(await proof(k)) : {});
  for (const thief of [undefined, otherKey]) {
    const res = await refresh(login.body.refresh_token, thief);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error, 'invalid_grant');
  }
  const rotated = await refresh(login.body.refresh_token, key);
  assertDpopIssued(rotated, key);
  assertDpopIssued(await refresh(rotated.body.refresh_token, key), key);

  const web = await tg.token({ ...aliceLogin, scope: 'openid offline_access' }, { basic: webClient, ...dpop(await proof(key)) });
  assertDpopIssued(web, key);
  const renewed = await tg.token({ grant_type: 'refresh_token', refresh_token: web.body.refresh_token }, { basic: webClient, ...dpop(await proof(otherKey)) });
  assertDpopIssued(renewed, otherKey);
  const plain = await tg.token({ grant_type: 'refresh_token', refresh_token: renewed.body.refresh_token }, { basic: webClient });
  assert.equal(plain.status, 200);
  assert.equal(plain.body.token_type, 'Bearer');
});

// ---- Server nonces (§8) ----

test('RFC 9449 §8: with nonces required, a proof without one gets use_dpop_nonce and a DPoP-Nonce to retry with', async (t) => {
  const tg = await startDpop(t, (c) => { c.dpop = { require_nonce: true, nonce_lifetime: 300 }; });
  const first = await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key)) });
  assert.equal(first.status, 400);
  assert.equal(first.body.error, 'use_dpop_nonce');
  const nonce = String(first.headers['dpop-nonce']);
  assert.ok(nonce.length > 10);
  const retried = await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key, { nonce })) });
  assertDpopIssued(retried, key);
  assert.ok(retried.headers['dpop-nonce'], 'every answer to a proof carries the nonce to use next');
  // Made up, or past its lifetime: a new nonce is needed.
  assert.equal((await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key, { nonce: 'made-up' })) })).body.error, 'use_dpop_nonce');
  tg.advance(301);
  const stale = await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key, { nonce, iat: NOW + 301 })) });
  assert.equal(stale.body.error, 'use_dpop_nonce');
  assert.notEqual(stale.headers['dpop-nonce'], nonce);
  // Without a proof at all, nonces play no part.
  assert.equal((await tg.token(aliceLogin, { basic: webClient })).status, 200);
});

test('RFC 9449 §8: a nonce from one node is good on another', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, (c) => {
    withDpopClients(c);
    c.dpop = { require_nonce: true };
  });
  const nonce = String((await a!.token(aliceLogin, { basic: webClient, ...dpop(await proof(key)) })).headers['dpop-nonce']);
  assertDpopIssued(await b!.token(aliceLogin, { basic: webClient, ...dpop(await proof(key, { nonce })) }), key);
});

// ---- The protected resource: /userinfo (§7) ----

test('RFC 9449 §7.1: /userinfo takes a DPoP-bound token with the DPoP scheme and a proof carrying its hash (ath)', async (t) => {
  const tg = await startDpop(t);
  const { access_token: token } = (await tg.token({ ...aliceLogin, scope: 'openid email' }, { basic: webClient, ...dpop(await proof(key)) })).body;
  for (const method of ['GET', 'POST'] as const) {
    const res = await userinfo(tg, { authorization: `DPoP ${token}`, dpop: await proof(key, { htm: method, htu: USERINFO_URL, accessToken: token }) }, method);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.email, 'alice@example.com');
  }
});

test('RFC 9449 §7.1: /userinfo refuses a DPoP-bound token without its proof, with a DPoP challenge', async (t) => {
  const tg = await startDpop(t);
  const { access_token: token } = (await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient, ...dpop(await proof(key)) })).body;
  const good = { htm: 'GET', htu: USERINFO_URL, accessToken: token };
  const cases: [string, Record<string, string>, string][] = [
    ['as a Bearer token', { authorization: `Bearer ${token}` }, 'invalid_token'],
    ['as a Bearer token with a proof', { authorization: `Bearer ${token}`, dpop: await proof(key, good) }, 'invalid_token'],
    ['DPoP scheme, no proof', { authorization: `DPoP ${token}` }, 'invalid_dpop_proof'],
    ['proof without ath', { authorization: `DPoP ${token}`, dpop: await proof(key, { ...good, accessToken: undefined }) }, 'invalid_dpop_proof'],
    ['ath of another token', { authorization: `DPoP ${token}`, dpop: await proof(key, { ...good, accessToken: 'another-token' }) }, 'invalid_dpop_proof'],
    ['proof for the token endpoint', { authorization: `DPoP ${token}`, dpop: await proof(key, { ...good, htu: TOKEN_URL }) }, 'invalid_dpop_proof'],
    ['proof by another key', { authorization: `DPoP ${token}`, dpop: await proof(otherKey, good) }, 'invalid_token'],
  ];
  for (const [name, headers, error] of cases) {
    const res = await userinfo(tg, headers);
    assert.equal(res.status, 401, `${name}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error, error, name);
    assert.match(String(res.headers['www-authenticate']), new RegExp(`^DPoP algs="[^"]+", error="${error}"`), name);
  }
  // A replayed proof is refused too.
  const once = await proof(key, good);
  assert.equal((await userinfo(tg, { authorization: `DPoP ${token}`, dpop: once })).status, 200);
  assert.equal((await userinfo(tg, { authorization: `DPoP ${token}`, dpop: once })).body.error, 'invalid_dpop_proof');
});

test('RFC 9449 §7.1: a Bearer token is not accepted under the DPoP scheme; Bearer requests keep the Bearer challenge', async (t) => {
  const tg = await startDpop(t);
  const { access_token: token } = (await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient })).body;
  const res = await userinfo(tg, { authorization: `DPoP ${token}`, dpop: await proof(key, { htm: 'GET', htu: USERINFO_URL, accessToken: token }) });
  assert.equal(res.status, 401);
  assert.equal(res.body.error, 'invalid_token');
  assert.match(String(res.headers['www-authenticate']), /^DPoP /);
  const bearer = await userinfo(tg, { authorization: 'Bearer not-a-token' });
  assert.match(String(bearer.headers['www-authenticate']), /^Bearer /);
});

test('RFC 9449 §8, §9: with nonces required, /userinfo answers use_dpop_nonce as a 401 DPoP challenge', async (t) => {
  const tg = await startDpop(t, (c) => { c.dpop = { require_nonce: true }; });
  const nonce = String((await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key)) })).headers['dpop-nonce']);
  const { access_token: token } = (await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient, ...dpop(await proof(key, { nonce })) })).body;
  const res = await userinfo(tg, { authorization: `DPoP ${token}`, dpop: await proof(key, { htm: 'GET', htu: USERINFO_URL, accessToken: token }) });
  assert.equal(res.status, 401);
  assert.equal(res.body.error, 'use_dpop_nonce');
  assert.match(String(res.headers['www-authenticate']), /^DPoP .*error="use_dpop_nonce"/);
  assert.equal(res.headers['dpop-nonce'], nonce);
  const ok = await userinfo(tg, { authorization: `DPoP ${token}`, dpop: await proof(key, { htm: 'GET', htu: USERINFO_URL, accessToken: token, nonce }) });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

// ---- Introspection and discovery ----

test('RFC 9449 §6.2: introspection of a DPoP-bound token says token_type DPoP and gives cnf.jkt', async (t) => {
  const tg = await startDpop(t);
  const { access_token: token } = (await tg.token(aliceLogin, { basic: webClient, ...dpop(await proof(key)) })).body;
  const res = await tg.app.inject({
    method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`web:${SECRET}`).toString('base64')}` },
    payload: new URLSearchParams({ token }).toString(),
  });
  const body = res.json();
  assert.equal(body.active, true);
  assert.equal(body.token_type, 'DPoP');
  assert.deepEqual(body.cnf, { jkt: key.jkt });
});

test('RFC 9449 §5.1: discovery lists dpop_signing_alg_values_supported as configured', async (t) => {
  const tg = await startDpop(t, (c) => { c.dpop = { signing_algs: ['ES256', 'EdDSA'] }; });
  const doc = (await tg.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
  // RFC 9864: Ed25519 is the fully specified name of EdDSA with an Ed25519 key, so it comes with EdDSA.
  assert.deepEqual(doc.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'Ed25519']);
  const defaults = await startDpop(t);
  const all = (await defaults.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json().dpop_signing_alg_values_supported;
  assert.ok(all.includes('ES256') && all.includes('RS256') && all.includes('PS256') && all.includes('EdDSA') && !all.includes('HS256') && !all.includes('none'));
});

// ---- Secrecy ----

test('RFC 9449 §11 / RFC 6750 §5.3: proofs and bound tokens never reach logs or events', async (t) => {
  const tg = await startDpop(t, (c) => { c.log_level = 'trace'; });
  const sent: string[] = [];
  const send = async (p: string) => {
    sent.push(p);
    return tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient, ...dpop(p) });
  };
  const issued = await send(await proof(key));
  await send(await proof(key, { htm: 'GET' }));
  const token = issued.body.access_token;
  const refusedProof = await proof(otherKey, { htm: 'GET', htu: USERINFO_URL, accessToken: token });
  await userinfo(tg, { authorization: `DPoP ${token}`, dpop: refusedProof });
  const events = JSON.stringify(await tg.store.events.listEvents({ limit: 100 }));
  for (const secret of [...sent, refusedProof, token, SECRET, ...sent.map((p) => p.split('.')[2]!)]) {
    assert.ok(!tg.logs.join('\n').includes(secret), `${secret.slice(0, 20)}... in the logs`);
    assert.ok(!events.includes(secret), `${secret.slice(0, 20)}... in the events`);
  }
  assert.ok(tg.logs.some((l) => l.includes('invalid_dpop_proof')));
});
