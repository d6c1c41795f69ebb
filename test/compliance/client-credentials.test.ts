/** grant_type=client_credentials (RFC 6749 §4.4): a confidential client acting for itself on an API. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { API, ISSUER, NOW, basicAuth, startTollgate, webClient, type TestTollgate } from '../helpers/tollgate.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/config/load.ts';
import { verifyWithJwks } from '../helpers/jwks.ts';

const OTHER_API = 'https://other.example.com';
const SVC_SECRET = 'service-secret-0123456789-abcdefghijklmnopqrs';
const svc: [string, string] = ['svc', SVC_SECRET];

async function start(t: TestContext, modify: (c: ConfigInput) => void = () => {}): Promise<TestTollgate> {
  const tg = await startTollgate((c) => {
    c.clients!.push(
      { client_id: 'svc', client_secret: SVC_SECRET, grant_types: ['client_credentials'], api_grants: { [API]: ['read:items'] } },
      {
        client_id: 'svc-post', client_secret: SVC_SECRET, token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials', 'password', 'refresh_token'], api_grants: { [API]: ['read:items', 'write:items'] },
      },
    );
    modify(c);
  });
  t.after(() => tg.close());
  return tg;
}

function credentials(tg: TestTollgate, params: Record<string, string>, basic: [string, string] | null = svc) {
  return tg.token({ grant_type: 'client_credentials', ...params }, basic ? { basic } : {});
}

function assertError(res: Awaited<ReturnType<typeof credentials>>, status: number, error: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.equal(res.body.access_token, undefined);
}

test('RFC 6749 §4.4.3: a confidential client gets an access token for itself: sub = client_id, aud = the API alone, no refresh or ID token', async (t) => {
  const tg = await start(t);
  const res = await credentials(tg, { audience: API });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.headers['cache-control'], 'no-store', 'RFC 6749 §5.1');
  assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type'], 'no refresh_token (§4.4.3) and no id_token (no user)');
  assert.equal(res.body.token_type, 'Bearer');
  assert.equal(res.body.expires_in, 600);
  assert.equal(res.body.scope, 'read:items', 'scope omitted: every scope granted to the client on that API');

  const { payload, protectedHeader } = await verifyWithJwks(tg, res.body.access_token, { issuer: ISSUER, audience: API, typ: 'at+jwt' });
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.sub, 'svc', 'RFC 9068 §2.2: sub is the client itself');
  assert.equal(payload.client_id, 'svc');
  assert.equal(payload.aud, API, 'the API alone: never the userinfo endpoint');
  assert.equal(payload.scope, 'read:items');
  assert.equal(payload.iat, NOW);
  assert.equal(payload.exp, NOW + 600);

  const userinfo = await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${res.body.access_token}` } });
  assert.equal(userinfo.statusCode, 401, 'a client token is not for /userinfo');
});

test('RFC 6749 §4.4.2: the client authenticates with its registered method (client_secret_post works too)', async (t) => {
  const tg = await start(t);
  const post = await credentials(tg, { audience: API, client_id: 'svc-post', client_secret: SVC_SECRET }, null);
  assert.equal(post.status, 200, JSON.stringify(post.body));
  assert.equal(decodeJwt(post.body.access_token).sub, 'svc-post');

  assertError(await credentials(tg, { audience: API }, ['svc', 'not-the-secret']), 401, 'invalid_client');
  // As at Auth0, a Basic client may send its secret in the body; a wrong one there is refused all the same.
  assert.equal((await credentials(tg, { audience: API, client_id: 'svc', client_secret: SVC_SECRET }, null)).status, 200);
  assertError(await credentials(tg, { audience: API, client_id: 'svc', client_secret: 'not-the-secret' }, null), 400, 'invalid_client');
  assertError(await credentials(tg, { audience: API }, null), 400, 'invalid_client');
  const both = await tg.token({ grant_type: 'client_credentials', audience: API, client_id: 'svc-post', client_secret: SVC_SECRET }, { headers: { authorization: basicAuth(...svc) } });
  assert.equal(both.status, 400);
  assert.equal(both.body.error, 'invalid_request', 'two authentication methods at once (RFC 6749 §2.3)');
});

test('RFC 6749 §4.4 / §5.2: a client not registered for client_credentials gets unauthorized_client', async (t) => {
  const tg = await start(t, (c) => { c.clients!.find((x) => x.client_id === 'web')!.api_grants = { [API]: ['read:items'] }; });
  assertError(await credentials(tg, { audience: API }, webClient), 400, 'unauthorized_client');
  assertError(await credentials(tg, { audience: API, client_id: 'mobile' }, null), 400, 'unauthorized_client');
});

test('RFC 6749 §4.4.2: the audience is required unless default_audience names one', async (t) => {
  const tg = await start(t);
  assertError(await credentials(tg, {}), 400, 'invalid_request');

  const withDefault = await start(t, (c) => { c.default_audience = API; });
  const res = await credentials(withDefault, {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(decodeJwt(res.body.access_token).aud, API);
  assert.equal(res.body.scope, 'read:items');
});

test('RFC 6749 §4.4.2: an unknown audience is invalid_request; a known API the client has no grant for is 403 access_denied', async (t) => {
  const tg = await start(t);
  assertError(await credentials(tg, { audience: 'https://unknown.example.com' }), 400, 'invalid_request');
  assertError(await credentials(tg, { audience: OTHER_API }), 403, 'access_denied');
  assertError(await credentials(tg, { audience: OTHER_API, scope: 'other:scope' }), 403, 'access_denied');
});

test('RFC 6749 §3.3: a scope the API does not define is invalid_scope; a defined scope not granted is dropped', async (t) => {
  const tg = await start(t);
  for (const scope of ['delete:items', 'other:scope', 'read:items openid', 'offline_access', 'read:items "bad"']) {
    assertError(await credentials(tg, { audience: API, scope }), 400, 'invalid_scope');
  }
  const dropped = await credentials(tg, { audience: API, scope: 'read:items write:items' });
  assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
  assert.equal(dropped.body.scope, 'read:items', 'the response says what was granted');
  assert.equal(decodeJwt(dropped.body.access_token).scope, 'read:items');

  const both = await credentials(tg, { audience: API, scope: 'write:items', client_id: 'svc-post', client_secret: SVC_SECRET }, null);
  assert.equal(both.status, 200);
  assert.equal(both.body.scope, 'write:items', 'a narrower request than the grant');
  const all = await credentials(tg, { audience: API, client_id: 'svc-post', client_secret: SVC_SECRET }, null);
  assert.deepEqual(all.body.scope.split(' ').sort(), ['read:items', 'write:items']);
});

test('RFC 6749 §4.4.3: no refresh token and no ID token, even for a client that may refresh and an API defining openid and offline_access', async (t) => {
  const tg = await start(t, (c) => {
    c.apis!.push({ identifier: 'https://odd.example.com', scopes: ['openid', 'offline_access', 'odd:read'] });
    c.clients!.find((x) => x.client_id === 'svc-post')!.api_grants!['https://odd.example.com'] = ['openid', 'offline_access', 'odd:read'];
  });
  const res = await credentials(tg, { audience: 'https://odd.example.com', scope: 'openid offline_access odd:read', client_id: 'svc-post', client_secret: SVC_SECRET }, null);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.refresh_token, undefined);
  assert.equal(res.body.id_token, undefined);
  assert.equal(decodeJwt(res.body.access_token).aud, 'https://odd.example.com', 'still the API alone');
});

test('RFC 6749 §4.4: a public client configured for client_credentials is a configuration error', async () => {
  await assert.rejects(
    startTollgate((c) => { c.clients!.find((x) => x.client_id === 'mobile')!.grant_types = ['client_credentials']; }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.problems.some((p) => p.startsWith('clients[2].grant_types') && p.includes('client_credentials')), err.message);
      return true;
    },
  );
  await assert.rejects(
    startTollgate((c) => { c.clients!.push({ client_id: 'svc', client_secret: SVC_SECRET, grant_types: ['client_credentials'], api_grants: { 'https://nowhere.example.com': ['x'] } }); }),
    (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.includes('api_grants')),
    'an api_grants entry must name a configured API',
  );
});

test('RFC 6749 §4.4.3 / RFC 9068: the per-API access_token_ttl applies to client tokens', async (t) => {
  const tg = await start(t, (c) => { c.apis![0]!.access_token_ttl = 120; });
  const res = await credentials(tg, { audience: API });
  assert.equal(res.body.expires_in, 120);
  const claims = decodeJwt(res.body.access_token);
  assert.equal(claims.exp, claims.iat! + 120);
});

test('RFC 7662 §2.2 / RFC 7009 §2.1: a client token introspects with sub = client_id and can be revoked by its client', async (t) => {
  const tg = await start(t, (c) => {
    c.clients!.push({ client_id: 'rs', client_secret: SVC_SECRET, grant_types: ['client_credentials'], introspection: true });
  });
  const { access_token } = (await credentials(tg, { audience: API })).body;
  const introspect = () => tg.app.inject({
    method: 'POST', url: '/oauth/introspect',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('rs', SVC_SECRET) },
    payload: new URLSearchParams({ token: access_token }).toString(),
  });
  const active = (await introspect()).json();
  assert.equal(active.active, true);
  assert.equal(active.sub, 'svc');
  assert.equal(active.client_id, 'svc');
  assert.equal(active.aud, API);
  assert.equal(active.scope, 'read:items');

  const revoked = await tg.app.inject({
    method: 'POST', url: '/oauth/revoke',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(...svc) },
    payload: new URLSearchParams({ token: access_token }).toString(),
  });
  assert.equal(revoked.statusCode, 200);
  assert.deepEqual((await introspect()).json(), { active: false });
});

test('RFC 8414 §2: discovery lists the client_credentials and refresh_token grant types', async (t) => {
  const tg = await start(t);
  const doc = (await tg.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
  assert.ok(doc.grant_types_supported.includes('client_credentials'));
  assert.ok(doc.grant_types_supported.includes('refresh_token'));
  assert.ok(doc.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
});
