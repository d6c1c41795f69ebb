/** Provider metadata (OIDC Discovery §3, §4) and the published key set (RFC 7517). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { API, ISSUER, REALM_GRANT, aliceLogin, startTollgate, webClient, type TestTollgate } from '../helpers/tollgate.ts';
import { fetchJwks, verifyWithJwks } from '../helpers/jwks.ts';
import { SIGNING_ALGS } from '../../src/protocol/algorithms.ts';

async function metadata(tg: TestTollgate, prefix = ''): Promise<Record<string, any>> {
  const res = await tg.app.inject({ method: 'GET', url: `${prefix}/.well-known/openid-configuration` });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return res.json();
}

/** Every advertised endpoint is under the issuer and answers at its path on this server. */
async function assertEndpointsServed(tg: TestTollgate, doc: Record<string, any>, issuer: string): Promise<void> {
  const keys = Object.keys(doc).filter((k) => k.endsWith('_endpoint') || k === 'jwks_uri');
  assert.ok(keys.length >= 3, `endpoints advertised: ${keys.join(', ')}`);
  for (const key of keys) {
    assert.ok(doc[key].startsWith(`${issuer}/`), `${key} ${doc[key]} is under ${issuer}`);
    const path = new URL(doc[key]).pathname;
    const [get, post] = [await tg.app.inject({ method: 'GET', url: path }), await tg.app.inject({ method: 'POST', url: path })];
    assert.ok(get.statusCode !== 404 || post.statusCode !== 404, `${key} ${doc[key]} is served`);
  }
}

test('OIDC Discovery §3: issuer is exactly the configured one and every endpoint lives under it', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const doc = await metadata(tg);
  assert.equal(doc.issuer, ISSUER);
  assert.equal(doc.token_endpoint, `${ISSUER}/oauth/token`);
  assert.equal(doc.userinfo_endpoint, `${ISSUER}/userinfo`);
  assert.equal(doc.jwks_uri, `${ISSUER}/.well-known/jwks.json`);
  await assertEndpointsServed(tg, doc, ISSUER);
  assert.deepEqual(doc.subject_types_supported, ['public']);
  assert.ok(Array.isArray(doc.response_types_supported), 'response_types_supported is present (REQUIRED)');
});

test('OIDC Discovery §4.1: with an issuer that has a path, every route lives under that path', async (t) => {
  const issuer = 'http://tollgate.test/tenant-a';
  const tg = await startTollgate((c) => { c.issuer = issuer; });
  t.after(() => tg.close());
  const doc = await metadata(tg, '/tenant-a');
  assert.equal(doc.issuer, issuer);
  assert.equal(doc.token_endpoint, `${issuer}/oauth/token`);
  assert.equal(doc.userinfo_endpoint, `${issuer}/userinfo`);
  assert.equal(doc.jwks_uri, `${issuer}/.well-known/jwks.json`);
  await assertEndpointsServed(tg, doc, issuer);

  const jwks = await fetchJwks(tg);
  assert.ok(jwks.keys.length > 0);
  const token = await tg.app.inject({
    method: 'POST', url: '/tenant-a/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(webClient.join(':')).toString('base64')}` },
    payload: new URLSearchParams({ ...aliceLogin, scope: 'openid' }).toString(),
  });
  assert.equal(token.statusCode, 200, token.body);
  const { access_token, id_token } = token.json();
  const at = await verifyWithJwks(tg, access_token, { issuer });
  assert.deepEqual(at.payload.aud, `${issuer}/userinfo`, 'the userinfo audience carries the path too');
  await verifyWithJwks(tg, id_token, { issuer, audience: 'web' });
  const userinfo = await tg.app.inject({ method: 'GET', url: '/tenant-a/userinfo', headers: { authorization: `Bearer ${access_token}` } });
  assert.equal(userinfo.statusCode, 200, userinfo.body);

  const advertised = Object.keys(doc).filter((k) => k.endsWith('_endpoint') || k === 'jwks_uri').map((k) => new URL(doc[k]).pathname);
  for (const path of ['/.well-known/openid-configuration', ...advertised.map((p) => p.slice('/tenant-a'.length))]) {
    for (const method of ['GET', 'POST'] as const) {
      const res = await tg.app.inject({ method, url: path });
      assert.equal(res.statusCode, 404, `${method} ${path} is not served outside the issuer path`);
    }
  }
});

test('OIDC Discovery §3: grant_types_supported lists the password and password-realm grants', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const doc = await metadata(tg);
  assert.ok(doc.grant_types_supported.includes('password'));
  assert.ok(doc.grant_types_supported.includes(REALM_GRANT));
  assert.ok(!doc.grant_types_supported.includes('authorization_code'), 'only what is implemented is advertised');
});

test('OIDC Discovery §3: token_endpoint_auth_methods_supported lists the client authentication methods', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const doc = await metadata(tg);
  assert.deepEqual([...doc.token_endpoint_auth_methods_supported].sort(), ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'none', 'private_key_jwt']);
});

test('RFC 8414 §2 / OIDC Discovery §3: the assertion algorithms are listed, and none is not among them', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const doc = await metadata(tg);
  for (const key of ['token', 'revocation', 'introspection'].map((e) => `${e}_endpoint_auth_signing_alg_values_supported`)) {
    assert.ok(doc[key].includes('HS256') && doc[key].includes('RS256') && doc[key].includes('ES256') && doc[key].includes('EdDSA'), key);
    assert.ok(!doc[key].includes('none'), `${key} never lists none (OIDC Discovery §3)`);
  }
});

test('OIDC Discovery §3: scopes_supported includes openid, the OIDC scopes served, and every API scope', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const doc = await metadata(tg);
  for (const scope of ['openid', 'profile', 'email', 'read:items', 'write:items', 'other:scope']) {
    assert.ok(doc.scopes_supported.includes(scope), `scopes_supported has ${scope}`);
  }
  assert.equal(new Set(doc.scopes_supported).size, doc.scopes_supported.length, 'no duplicates');
  assert.ok(doc.claims_supported.includes('sub'));
});

for (const alg of SIGNING_ALGS) {
  test(`OIDC Discovery §3: id_token_signing_alg_values_supported matches the published keys (signing_alg ${alg})`, async (t) => {
    const tg = await startTollgate((c) => { c.tokens = { signing_alg: alg }; });
    t.after(() => tg.close());
    const doc = await metadata(tg);
    const jwks = await fetchJwks(tg);
    const keyAlgs = new Set(jwks.keys.map((k) => k.alg));
    assert.deepEqual(new Set(doc.id_token_signing_alg_values_supported), keyAlgs);
    assert.ok(keyAlgs.has(alg), 'the configured alg has a key');
    // The fixture has a public client, whose ID tokens are RS256 whatever signing_alg says.
    assert.ok(keyAlgs.has('RS256'), 'RS256 is published for the public client');
    const res = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient });
    assert.ok(doc.id_token_signing_alg_values_supported.includes(decodeProtectedHeader(res.body.id_token).alg));
  });
}

test('RFC 7517 §4 / RFC 7518 §6: the JWKS holds only public parts, each key with kid, alg and use "sig"', async (t) => {
  // Every key type: RSA (RS256, PS256), EC (ES256) and OKP (EdDSA); the fixture's public client adds RS256 to each.
  for (const alg of SIGNING_ALGS) {
    const tg = await startTollgate((c) => { c.tokens = { signing_alg: alg }; });
    t.after(() => tg.close());
    const res = await tg.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/(jwk-set\+)?json/);
    const { keys } = res.json() as { keys: Record<string, unknown>[] };
    assert.ok(keys.length > 0);
    const kids = new Set<unknown>();
    for (const key of keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
        assert.equal(key[secret], undefined, `${alg}: key ${key.kid} does not publish "${secret}"`);
      }
      assert.equal(typeof key.kid, 'string');
      assert.ok((key.kid as string).length > 0);
      assert.ok((SIGNING_ALGS as readonly unknown[]).includes(key.alg), `alg ${key.alg}`);
      assert.equal(key.use, 'sig');
      assert.ok(['RSA', 'EC', 'OKP'].includes(key.kty as string), `kty ${key.kty}`);
      kids.add(key.kid);
    }
    assert.equal(kids.size, keys.length, 'kids are unique (RFC 7517 §4.5)');
  }
});

test('RFC 7517 §4.5: signing keys persist across a restart when the store is a file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const onDisk = (c: { storage?: string }) => { c.storage = `sqlite:${dir}/t.db`; };

  const first = await startTollgate(onDisk);
  const before = await fetchJwks(first);
  const issued = await first.token({ ...aliceLogin, audience: API, scope: 'openid read:items' }, { basic: webClient });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  await first.close();

  const second = await startTollgate(onDisk);
  t.after(() => second.close());
  const after = await fetchJwks(second);
  assert.deepEqual(after.keys.map((k) => k.kid).sort(), before.keys.map((k) => k.kid).sort());
  assert.deepEqual(after, before, 'the same public keys are published');

  // A token from before the restart still verifies, at the JWKS and at userinfo.
  await verifyWithJwks(second, issued.body.access_token, { issuer: ISSUER, audience: API });
  const userinfo = await second.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${issued.body.access_token}` } });
  assert.equal(userinfo.statusCode, 200, userinfo.body);
  // And the same user keeps the same sub (OIDC Core §2).
  assert.equal(userinfo.json().sub, (await verifyWithJwks(second, issued.body.id_token, { audience: 'web' })).payload.sub);
});
