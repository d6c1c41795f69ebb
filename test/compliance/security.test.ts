/** Security properties: credentials never reach the logs, and every login path costs the same. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API, PASSWORD, REALM_GRANT, SECRET, aliceLogin, basicAuth, startTollgate, verificationsSpentBy, webClient, type TestTollgate,
} from '../helpers/tollgate.ts';

const WRONG_PASSWORD = 'wrong-Pa55word-never-logged';
const WRONG_SECRET = 'wrong-client-secret-never-logged-0123456789';
const SVC_SECRET = 'service-client-secret-never-logged-0123456789';
const WRONG_REFRESH = 'not-a-refresh-token-never-logged-0123456789';

function inject(tg: TestTollgate, url: string, opts: { method?: 'GET' | 'POST'; headers?: Record<string, string>; payload?: string } = {}) {
  return tg.app.inject({ method: opts.method ?? 'POST', url, headers: opts.headers ?? {}, ...(opts.payload !== undefined ? { payload: opts.payload } : {}) });
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const json = { 'content-type': 'application/json' };

for (const level of ['info', 'trace'] as const) {
  test(`RFC 6749 §10.3, §10.4, §10.7 / RFC 6750 §5.3: no password, client secret or token reaches the logs (log_level ${level})`, async (t) => {
    const tg = await startTollgate((c) => {
      c.log_level = level;
      const web = c.clients!.find((client) => client.client_id === 'web')!;
      web.grant_types = [...web.grant_types!, 'refresh_token'];
      web.introspection = true;
      c.clients!.push({ client_id: 'svc', client_secret: SVC_SECRET, grant_types: ['client_credentials'], api_grants: { [API]: ['read:items'] } });
    });
    t.after(() => tg.close());
    const secrets = new Set<string>([PASSWORD, 'employee-password', SECRET, SVC_SECRET, WRONG_PASSWORD, WRONG_SECRET, WRONG_REFRESH]);
    const tokens: string[] = [];
    const refreshTokens: string[] = [];
    const keep = (body: { access_token?: string; id_token?: string; refresh_token?: string }) => {
      for (const jwt of [body.access_token, body.id_token]) if (jwt) tokens.push(jwt);
      if (body.refresh_token) refreshTokens.push(body.refresh_token);
    };

    // Successful logins: Basic, client_secret_post (form and JSON), a public client.
    const basic = await tg.token({ ...aliceLogin, scope: 'openid profile email' }, { basic: webClient });
    assert.equal(basic.status, 200, JSON.stringify(basic.body));
    keep(basic.body);
    const post = await tg.token({ ...aliceLogin, client_id: 'post', client_secret: SECRET, scope: 'openid email' });
    assert.equal(post.status, 200, JSON.stringify(post.body));
    keep(post.body);
    const postJson = await inject(tg, '/oauth/token', { headers: json, payload: JSON.stringify({ ...aliceLogin, client_id: 'post', client_secret: SECRET, scope: 'openid' }) });
    assert.equal(postJson.statusCode, 200, postJson.body);
    keep(postJson.json());
    const basicJson = await inject(tg, '/oauth/token', {
      headers: { ...json, authorization: basicAuth(...webClient) },
      payload: JSON.stringify({ grant_type: REALM_GRANT, realm: 'employees', username: 'alice', password: 'employee-password', audience: API, scope: 'openid read:items' }),
    });
    assert.equal(basicJson.statusCode, 200, basicJson.body);
    keep(basicJson.json());
    const mobile = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: PASSWORD, scope: 'openid' });
    assert.equal(mobile.status, 200, JSON.stringify(mobile.body));
    keep(mobile.body);

    // Refresh tokens (RFC 6749 §6): issue, rotate, reuse; client credentials (§4.4).
    const offline = await tg.token({ ...aliceLogin, scope: 'openid offline_access' }, { basic: webClient });
    assert.equal(offline.status, 200, JSON.stringify(offline.body));
    assert.ok(offline.body.refresh_token, 'a refresh token was issued');
    keep(offline.body);
    const rotated = await tg.token({ grant_type: 'refresh_token', refresh_token: offline.body.refresh_token }, { basic: webClient });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    keep(rotated.body);
    tg.advance(5);
    const reused = await tg.token({ grant_type: 'refresh_token', refresh_token: offline.body.refresh_token }, { basic: webClient });
    assert.equal(reused.status, 400, JSON.stringify(reused.body));
    assert.equal((await tg.token({ grant_type: 'refresh_token', refresh_token: WRONG_REFRESH }, { basic: webClient })).status, 400);
    const service = await tg.token({ grant_type: 'client_credentials', audience: API }, { basic: ['svc', SVC_SECRET] });
    assert.equal(service.status, 200, JSON.stringify(service.body));
    keep(service.body);

    // Introspection (RFC 7662) and revocation (RFC 7009): the token travels in the body.
    const web = { authorization: basicAuth(...webClient) };
    for (const token of [basic.body.access_token, rotated.body.refresh_token, WRONG_REFRESH]) {
      assert.equal((await inject(tg, '/oauth/introspect', { headers: { ...form, ...web }, payload: `token=${token}` })).statusCode, 200);
      await inject(tg, '/oauth/introspect', { headers: { ...json, ...web }, payload: JSON.stringify({ token, token_type_hint: 'refresh_token' }) });
      await inject(tg, '/oauth/introspect', { headers: { ...form, authorization: basicAuth('web', WRONG_SECRET) }, payload: `token=${token}` });
      await inject(tg, '/oauth/revoke', { headers: { ...form, authorization: basicAuth('svc', SVC_SECRET) }, payload: `token=${token}` });
    }
    assert.equal((await inject(tg, '/oauth/revoke', { headers: { ...json, ...web }, payload: JSON.stringify({ token: rotated.body.refresh_token }) })).statusCode, 200);
    assert.equal((await inject(tg, '/oauth/revoke', { headers: { ...form, ...web }, payload: `token=${offline.body.access_token}` })).statusCode, 200);

    // Failing logins and failing client authentication, in every encoding.
    const failures = [
      await tg.token({ ...aliceLogin, password: WRONG_PASSWORD }, { basic: webClient }),
      await tg.token({ ...aliceLogin, username: 'nobody', password: WRONG_PASSWORD }, { basic: webClient }),
      await tg.token({ ...aliceLogin, username: 'mallory' }, { basic: webClient }),
      await tg.token({ ...aliceLogin }, { basic: ['web', WRONG_SECRET] }),
      await tg.token({ ...aliceLogin, client_id: 'post', client_secret: WRONG_SECRET }),
      await tg.token({ ...aliceLogin, client_id: 'nosuchclient', client_secret: SECRET }),
      await tg.token({ ...aliceLogin, scope: 'no-such-scope' }, { basic: webClient }),
      await tg.token({ ...aliceLogin, grant_type: 'urn:example:unknown' }, { basic: webClient }),
      await tg.token({ ...aliceLogin, client_id: 'post', client_secret: SECRET }, { basic: webClient }),
    ];
    for (const f of failures) assert.ok(f.status >= 400, JSON.stringify(f.body));
    const broken = [
      await inject(tg, '/oauth/token', { headers: json, payload: JSON.stringify({ ...aliceLogin, password: WRONG_PASSWORD, client_id: 'post', client_secret: WRONG_SECRET }) }),
      await inject(tg, '/oauth/token', { headers: json, payload: `{"password":"${WRONG_PASSWORD}","client_secret":"${WRONG_SECRET}"` }),
      await inject(tg, '/oauth/token', { headers: json, payload: JSON.stringify({ password: [WRONG_PASSWORD], client_secret: { s: WRONG_SECRET } }) }),
      await inject(tg, '/oauth/token', { headers: form, payload: `grant_type=password&username=alice&password=${WRONG_PASSWORD}%ZZ&client_secret=${WRONG_SECRET}` }),
      await inject(tg, '/oauth/token', { headers: form, payload: `password=${WRONG_PASSWORD}&password=${PASSWORD}` }),
      await inject(tg, '/oauth/token', { headers: { 'content-type': 'text/plain' }, payload: `password=${WRONG_PASSWORD}` }),
      await inject(tg, '/oauth/token', { headers: { ...form, authorization: `Basic ${Buffer.from(`web:${WRONG_SECRET}`).toString('base64')}!` }, payload: 'grant_type=password' }),
      await inject(tg, `/oauth/token?password=${WRONG_PASSWORD}&client_secret=${WRONG_SECRET}`, { method: 'GET' }),
    ];
    for (const b of broken) assert.ok(b.statusCode >= 400, b.body);

    // Userinfo with the token in the header, in the body, in the query string, and in two places.
    const token = basic.body.access_token as string;
    assert.equal((await inject(tg, '/userinfo', { method: 'GET', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
    assert.equal((await inject(tg, '/userinfo', { headers: form, payload: `access_token=${token}` })).statusCode, 200);
    await inject(tg, `/userinfo?access_token=${token}`, { method: 'GET' });
    await inject(tg, `/userinfo?access_token=${token}`, { headers: { authorization: `Bearer ${token}` } });
    await inject(tg, '/userinfo', { headers: { ...form, authorization: `Bearer ${token}` }, payload: `access_token=${token}` });
    await inject(tg, '/userinfo', { method: 'GET', headers: { authorization: `Bearer ${token}x` } });
    await inject(tg, `/nowhere?access_token=${token}&password=${WRONG_PASSWORD}`, { method: 'GET' });
    tg.advance(3600);
    await inject(tg, '/userinfo', { method: 'GET', headers: { authorization: `Bearer ${token}` } });

    assert.ok(tokens.length >= 8, 'tokens were issued');
    for (const jwt of tokens) {
      secrets.add(jwt);
      // Each part alone is as telling as the whole: the signature proves possession, the payload names the user.
      const [, payload, signature] = jwt.split('.') as [string, string, string];
      secrets.add(payload);
      secrets.add(signature);
    }
    assert.ok(refreshTokens.length >= 2, 'refresh tokens were issued');
    for (const token of refreshTokens) secrets.add(token);
    for (const [id, secret] of [webClient, ['post', SECRET], ['web', WRONG_SECRET], ['svc', SVC_SECRET]] as [string, string][]) {
      secrets.add(basicAuth(id, secret).slice('Basic '.length));
    }
    secrets.add(encodeURIComponent(WRONG_PASSWORD));

    assert.ok(tg.logs.length > 20, 'requests were logged');
    assert.ok(tg.logs.some((line) => line.includes('"type":"login.wrong_password"')), 'failed logins are logged, as events');
    const events = await tg.store.events.listEvents({ limit: 10_000 });
    assert.ok(events.some((e) => e.type === 'login.wrong_password'), 'failed logins are stored as audit events');
    for (const line of [...tg.logs, ...events.map((e) => JSON.stringify(e))]) {
      for (const secret of secrets) {
        assert.ok(!line.includes(secret), `log line leaks ${secret.slice(0, 12)}…: ${line.slice(0, 300)}`);
      }
    }
  });
}

interface Case {
  name: string;
  params: Record<string, string>;
  status: number;
  error?: string;
}

const passwordCases: Case[] = [
  { name: 'success', params: { ...aliceLogin }, status: 200 },
  { name: 'wrong password', params: { ...aliceLogin, password: WRONG_PASSWORD }, status: 400, error: 'invalid_grant' },
  { name: 'unknown user', params: { ...aliceLogin, username: 'nobody' }, status: 400, error: 'invalid_grant' },
  { name: 'empty password (password=)', params: { ...aliceLogin, password: '' }, status: 400, error: 'invalid_request' },
  { name: 'missing password', params: { grant_type: 'password', username: 'alice' }, status: 400, error: 'invalid_request' },
  { name: 'missing username', params: { grant_type: 'password', password: PASSWORD }, status: 400, error: 'invalid_request' },
  { name: 'empty username (username=)', params: { ...aliceLogin, username: '' }, status: 400, error: 'invalid_request' },
  { name: 'blocked user, right password', params: { ...aliceLogin, username: 'mallory' }, status: 400, error: 'invalid_grant' },
  { name: 'blocked user, wrong password', params: { ...aliceLogin, username: 'mallory', password: WRONG_PASSWORD }, status: 400, error: 'invalid_grant' },
  { name: 'user of another connection', params: { ...aliceLogin, password: 'employee-password' }, status: 400, error: 'invalid_grant' },
  { name: 'scope that exists nowhere', params: { ...aliceLogin, scope: 'openid nowhere:scope' }, status: 400, error: 'invalid_scope' },
  { name: 'unknown audience', params: { ...aliceLogin, audience: 'https://unknown.example.com' }, status: 400, error: 'invalid_request' },
];

test('RFC 6749 §4.5 / §10.10: a missing, unknown or disabled realm costs one verification too', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const login = { ...aliceLogin, grant_type: REALM_GRANT, client_id: 'mobile' };
  for (const [name, params] of [['missing realm', login], ['unknown realm', { ...login, realm: 'partners' }], ['realm not enabled', { ...login, realm: 'employees' }]] as const) {
    const spent = await verificationsSpentBy(tg, async () => {
      const res = await tg.token(params);
      assert.equal(res.body.error, 'invalid_request', name);
    });
    assert.equal(spent, 1, `${name} spent ${spent} verifications`);
  }
});

test('RFC 6749 §4.3.2 / §10.10: every outcome of the password grant costs exactly one password verification', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  for (const c of passwordCases) {
    let res: Awaited<ReturnType<TestTollgate['token']>> | undefined;
    const spent = await verificationsSpentBy(tg, async () => { res = await tg.token(c.params, { basic: webClient }); });
    assert.equal(res!.status, c.status, `${c.name}: ${JSON.stringify(res!.body)}`);
    if (c.error) assert.equal(res!.body.error, c.error, c.name);
    assert.equal(spent, 1, `${c.name} spent ${spent} verifications`);
  }
});

test('RFC 6749 §4.5 (password-realm) / §10.10: every outcome of the password-realm grant costs exactly one verification, for public and JSON clients too', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  for (const c of passwordCases) {
    const params = { ...c.params, grant_type: REALM_GRANT, realm: 'customers' };
    const mobile = await verificationsSpentBy(tg, async () => {
      const res = await tg.token({ ...params, client_id: 'mobile' });
      assert.equal(res.status, c.status, `mobile, ${c.name}: ${JSON.stringify(res.body)}`);
    });
    assert.equal(mobile, 1, `mobile, ${c.name} spent ${mobile}`);
    const viaJson = await verificationsSpentBy(tg, async () => {
      const res = await inject(tg, '/oauth/token', { headers: json, payload: JSON.stringify({ ...params, client_id: 'post', client_secret: SECRET }) });
      assert.equal(res.statusCode, c.status, `JSON, ${c.name}: ${res.body}`);
    });
    assert.equal(viaJson, 1, `JSON, ${c.name} spent ${viaJson}`);
  }
});

test('RFC 6749 §5.2 / §10.10: an unknown user and a wrong password get byte-identical responses', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const raw = (params: Record<string, string>) => inject(tg, '/oauth/token', {
    headers: { ...form, authorization: basicAuth(...webClient) },
    payload: new URLSearchParams(params).toString(),
  });
  const wrong = await raw({ ...aliceLogin, password: WRONG_PASSWORD });
  const unknown = await raw({ ...aliceLogin, username: 'nobody' });
  const blockedWrong = await raw({ ...aliceLogin, username: 'mallory', password: WRONG_PASSWORD });
  const otherConnection = await raw({ ...aliceLogin, password: 'employee-password' });
  assert.equal(wrong.statusCode, 400);
  assert.equal(wrong.json().error, 'invalid_grant');
  for (const [name, res] of [['unknown user', unknown], ['blocked user with a wrong password', blockedWrong], ['password of another connection', otherConnection]] as const) {
    assert.equal(res.statusCode, wrong.statusCode, name);
    assert.equal(res.body, wrong.body, `${name}: same bytes as a wrong password`);
    for (const header of ['content-type', 'content-length', 'cache-control', 'www-authenticate']) {
      assert.equal(res.headers[header], wrong.headers[header], `${name}: same ${header}`);
    }
  }

  // The same holds for the password-realm grant of a public client.
  const realm = (params: Record<string, string>) => tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', ...params });
  const realmWrong = await realm({ username: 'alice', password: WRONG_PASSWORD });
  const realmUnknown = await realm({ username: 'nobody', password: WRONG_PASSWORD });
  assert.equal(JSON.stringify(realmUnknown.body), JSON.stringify(realmWrong.body));
  assert.equal(realmUnknown.status, realmWrong.status);
});
