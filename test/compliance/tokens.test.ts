/** Access tokens (RFC 9068) and ID tokens (OIDC Core §2), checked the way a relying party or an API checks them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { API, ISSUER, NOW, PASSWORD, REALM_GRANT, aliceLogin, startTollgate, webClient, type TestTollgate } from '../helpers/tollgate.ts';
import { audiences, fetchJwks, verifyWithJwks } from '../helpers/jwks.ts';
import { SIGNING_ALGS } from '../../src/protocol/algorithms.ts';

const USERINFO = `${ISSUER}/userinfo`;

/** Logs alice in; `basic: null` sends no client credentials in the header (public client). */
async function login(tg: TestTollgate, params: Record<string, string>, basic: [string, string] | null = webClient) {
  const res = await tg.token({ ...aliceLogin, ...params }, basic ? { basic } : {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { access_token: string; id_token?: string; expires_in: number; scope: string };
}

test('RFC 9068 §2.1: the access token header has typ "at+jwt", the configured alg and a kid published in the JWKS', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const { access_token } = await login(tg, { audience: API, scope: 'openid read:items' });
  const header = decodeProtectedHeader(access_token);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.alg, 'RS256');
  assert.ok(header.kid, 'kid is present');
  const jwks = await fetchJwks(tg);
  const published = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(published, `kid ${header.kid} is in the JWKS`);
  assert.equal(published.alg, header.alg);
  await verifyWithJwks(tg, access_token, { typ: 'at+jwt' });
});

test('RFC 9068 §2.2: the access token carries iss, sub, aud, client_id, azp, scope, iat, exp and jti', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const body = await login(tg, { audience: API, scope: 'openid read:items' });
  const { payload } = await verifyWithJwks(tg, body.access_token, { issuer: ISSUER, audience: API, typ: 'at+jwt' });
  assert.equal(payload.iss, ISSUER);
  assert.equal(typeof payload.sub, 'string');
  assert.ok(payload.sub!.length > 0);
  assert.equal(payload.client_id, 'web');
  assert.equal(payload.azp, 'web');
  assert.equal(payload.scope, 'openid read:items');
  assert.equal(payload.scope, body.scope, 'the token scope is the granted scope of the response (RFC 6749 §5.1)');
  assert.equal(payload.iat, NOW);
  assert.equal(payload.exp, NOW + 600, 'exp = iat + tokens.access_token_ttl (default 600)');
  assert.equal(body.expires_in, 600);
  assert.equal(typeof payload.jti, 'string');
  assert.ok((payload.jti as string).length >= 16, 'jti has enough entropy to be unique');
});

test('RFC 9068 §2.2 / OIDC Core §5.3: aud is the API identifier plus the userinfo endpoint when openid is granted', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const withOpenid = decodeJwt((await login(tg, { audience: API, scope: 'openid read:items' })).access_token);
  assert.deepEqual(audiences(withOpenid).sort(), [API, USERINFO].sort());

  const withoutOpenid = decodeJwt((await login(tg, { audience: API, scope: 'read:items' })).access_token);
  assert.deepEqual(audiences(withoutOpenid), [API], 'without openid the token is for the API alone');
  assert.equal(withoutOpenid.scope, 'read:items');
});

test('RFC 9068 §2.2: exp = iat + the per-API access_token_ttl when configured, the global ttl otherwise (RFC 6749 §5.1 expires_in agrees)', async (t) => {
  const tg = await startTollgate((c) => {
    c.apis![0]!.access_token_ttl = 120;
    c.tokens = { access_token_ttl: 900 };
  });
  t.after(() => tg.close());
  const perApi = await login(tg, { audience: API, scope: 'read:items' });
  const claims = decodeJwt(perApi.access_token);
  assert.equal(claims.exp, claims.iat! + 120);
  assert.equal(perApi.expires_in, 120);

  const global = await login(tg, { audience: 'https://other.example.com', scope: 'other:scope' });
  const otherClaims = decodeJwt(global.access_token);
  assert.equal(otherClaims.exp, otherClaims.iat! + 900);
  assert.equal(global.expires_in, 900);

  tg.advance(30);
  const later = decodeJwt((await login(tg, { audience: API, scope: 'read:items' })).access_token);
  assert.equal(later.iat, NOW + 30, 'iat is the time of issue');
  assert.equal(later.exp, NOW + 30 + 120);
});

test('RFC 9068 §2.2 (RFC 7519 §4.1.7): jti is unique per token, even for identical requests in the same second', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const jtis = new Set<unknown>();
  for (let i = 0; i < 5; i++) {
    jtis.add(decodeJwt((await login(tg, { audience: API, scope: 'openid read:items' })).access_token).jti);
  }
  assert.equal(jtis.size, 5);
});

test('OIDC Core §2: the ID token carries iss, sub, aud = client_id, iat, exp, auth_time and amr ["pwd"]', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const body = await login(tg, { scope: 'openid' });
  assert.ok(body.id_token, 'openid granted: an ID token is returned');
  const { payload, protectedHeader } = await verifyWithJwks(tg, body.id_token, { issuer: ISSUER, audience: 'web' });
  assert.notEqual(protectedHeader.typ, 'at+jwt', 'an ID token cannot pass for an access token (RFC 9068 §4)');
  assert.equal(payload.iss, ISSUER);
  assert.equal(payload.aud, 'web');
  assert.equal(payload.sub, decodeJwt(body.access_token).sub, 'the ID token and access token name the same subject');
  assert.equal(payload.iat, NOW);
  assert.equal(payload.exp, NOW + 3600, 'exp = iat + tokens.id_token_ttl (default 3600)');
  assert.equal(payload.auth_time, NOW);
  assert.deepEqual(payload.amr, ['pwd']);
});

test('OIDC Core §3.1.3.3: no ID token unless openid is granted', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const body = await login(tg, { audience: API, scope: 'read:items' });
  assert.equal(body.id_token, undefined);
});

test('OIDC Core §5.4: profile claims only with the profile scope, email claims only with the email scope', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const profileClaims = ['name', 'given_name', 'family_name', 'nickname', 'picture', 'updated_at'];
  const emailClaims = ['email', 'email_verified'];
  const idToken = async (scope: string) => decodeJwt((await login(tg, { scope })).id_token!);

  const bare = await idToken('openid');
  for (const c of [...profileClaims, ...emailClaims]) assert.equal(bare[c], undefined, `${c} without profile/email scope`);

  const profile = await idToken('openid profile');
  assert.equal(profile.name, 'Alice Liddell');
  assert.equal(profile.given_name, 'Alice');
  assert.equal(typeof profile.updated_at, 'number');
  assert.equal(profile.family_name, undefined, 'an unset claim is left out, not null');
  for (const c of emailClaims) assert.equal(profile[c], undefined, `${c} without email scope`);

  const email = await idToken('openid email');
  assert.equal(email.email, 'alice@example.com');
  assert.equal(email.email_verified, true);
  for (const c of profileClaims) assert.equal(email[c], undefined, `${c} without profile scope`);
});

test('OIDC Core §2 / §8: sub is stable across logins, opaque, and distinct for the same username in two connections', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const subOf = async (params: Record<string, string>) => decodeJwt((await login(tg, { scope: 'openid', ...params })).id_token!).sub!;

  const first = await subOf({});
  tg.advance(3600);
  const second = await subOf({});
  const viaRealm = await subOf({ grant_type: REALM_GRANT, realm: 'customers' });
  const viaEmail = await subOf({ username: 'ALICE@example.com' });
  assert.equal(second, first, 'the same user gets the same sub on every login');
  assert.equal(viaRealm, first, 'the grant used does not change sub');
  assert.equal(viaEmail, first, 'the login name used does not change sub');

  for (const part of ['alice', 'customers', 'employees', 'example']) {
    assert.ok(!first.toLowerCase().includes(part), `sub ${first} does not reveal "${part}"`);
  }

  const employee = await subOf({ grant_type: REALM_GRANT, realm: 'employees', password: 'employee-password' });
  assert.notEqual(employee, first, 'alice in employees is a different end-user from alice in customers');
  assert.equal(decodeJwt((await login(tg, { grant_type: REALM_GRANT, realm: 'employees', password: 'employee-password', scope: 'openid email' })).id_token!).email, 'alice@corp.example.com');
});

test('OIDC Core §2 / OIDC Registration §2: a public client gets RS256 ID tokens even when tokens.signing_alg is ES256', async (t) => {
  const tg = await startTollgate((c) => { c.tokens = { signing_alg: 'ES256' }; });
  t.after(() => tg.close());
  const mobile = await login(tg, { grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', scope: 'openid' }, null);
  assert.equal(decodeProtectedHeader(mobile.id_token!).alg, 'RS256');
  assert.equal(decodeProtectedHeader(mobile.access_token).alg, 'ES256', 'access tokens keep the configured alg');
  const { payload } = await verifyWithJwks(tg, mobile.id_token!, { issuer: ISSUER, audience: 'mobile', algorithms: ['RS256'] });
  assert.equal(payload.aud, 'mobile');

  const web = await login(tg, { scope: 'openid' });
  assert.equal(decodeProtectedHeader(web.id_token!).alg, 'ES256', 'confidential clients get the configured alg');
  await verifyWithJwks(tg, web.id_token!, { audience: 'web', algorithms: ['ES256'] });
});

for (const alg of SIGNING_ALGS) {
  test(`RFC 7515 §5.2 / OIDC Core §3.1.3.7: with signing_alg ${alg}, access and ID tokens verify against the published JWKS`, async (t) => {
    const tg = await startTollgate((c) => { c.tokens = { signing_alg: alg }; });
    t.after(() => tg.close());
    const body = await login(tg, { audience: API, scope: 'openid read:items' });
    const at = await verifyWithJwks(tg, body.access_token, { issuer: ISSUER, audience: API, typ: 'at+jwt', algorithms: [alg] });
    assert.equal(at.protectedHeader.alg, alg);
    const id = await verifyWithJwks(tg, body.id_token!, { issuer: ISSUER, audience: 'web', algorithms: [alg] });
    assert.equal(id.protectedHeader.alg, alg);
    assert.equal(id.payload.sub, at.payload.sub);

    // A token whose signature does not match is refused by the same verifier.
    const [h, p, s] = body.access_token.split('.') as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await assert.rejects(verifyWithJwks(tg, `${h}.${p}.${flipped}`), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
}

test('OIDC Core §2: the password used never appears in a token', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const body = await login(tg, { scope: 'openid profile email' });
  for (const jwt of [body.access_token, body.id_token!]) {
    assert.ok(!JSON.stringify(decodeJwt(jwt)).includes(PASSWORD));
  }
});
