/**
 * CORS for browser apps, header by header: a page may read an answer only when its exact origin is registered by
 * the client the request names (clients[].allowed_origins); never in credentials mode; an unregistered origin
 * gets no CORS header at all.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { withMfa } from '../helpers/mfa.ts';
import { PASSWORD, REALM_GRANT, SECRET, baseConfig, start, type TestTollgate } from '../helpers/tollgate.ts';

const APP = 'https://app.example.com';
const WEB_APP = 'https://web.example.com';
const STRANGER = 'https://evil.example.net';

function withOrigins(config: ConfigInput): void {
  config.clients = config.clients!.map((c) => ({
    ...c,
    grant_types: [...(c.grant_types ?? []), 'refresh_token'],
    ...(c.client_id === 'mobile' ? { allowed_origins: [APP] } : c.client_id === 'web' ? { allowed_origins: [WEB_APP] } : {}),
  }));
}

const CORS_HEADERS = ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age',
  'access-control-expose-headers', 'access-control-allow-credentials'];

function assertNoCors(headers: Record<string, unknown>): void {
  for (const name of CORS_HEADERS) assert.equal(headers[name], undefined, `${name} must be absent`);
}

function assertReadableBy(headers: Record<string, unknown>, origin: string): void {
  assert.equal(headers['access-control-allow-origin'], origin);
  assert.equal(headers['access-control-expose-headers'], 'DPoP-Nonce, WWW-Authenticate, Retry-After');
  assert.equal(headers['access-control-allow-credentials'], undefined);
  assert.equal(headers.vary, 'Origin');
}

const preflight = (tg: TestTollgate, url: string, origin: string, method: string) => tg.app.inject({
  method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, dpop' },
});

const loginAsMobile = (tg: TestTollgate, headers: Record<string, string>, password = PASSWORD) => tg.app.inject({
  method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  payload: new URLSearchParams({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password, scope: 'openid offline_access' }).toString(),
});

describe('CORS preflight', () => {
  const routes = [['/oauth/token', 'POST'], ['/oauth/revoke', 'POST'], ['/userinfo', 'GET'], ['/userinfo', 'POST'], ['/realms', 'GET'],
    ['/mfa/associate', 'POST'], ['/mfa/challenge', 'POST'], ['/mfa/authenticators', 'GET'], ['/mfa/authenticators/totp%7Cdev_x', 'DELETE']] as const;
  for (const [url, method] of routes) {
    test(`${method} ${url}: a registered origin gets each header; no credentials`, async (t) => {
      const tg = await start(t, withOrigins);
      const res = await preflight(tg, url, APP, method);
      assert.equal(res.statusCode, 204);
      assert.equal(res.headers['access-control-allow-origin'], APP);
      assert.ok(String(res.headers['access-control-allow-methods']).split(', ').includes(method));
      assert.equal(res.headers['access-control-allow-headers'], 'Authorization, Content-Type, DPoP');
      assert.equal(res.headers['access-control-max-age'], '600');
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      assert.equal(res.headers.vary, 'Origin');
    });
  }

  test('an unregistered origin, a near miss of a registered one, or a method the route does not take: no CORS header', async (t) => {
    const tg = await start(t, withOrigins);
    for (const origin of [STRANGER, 'http://app.example.com', 'https://app.example.com:8443', 'https://APP.example.com', `${APP}/`, 'null']) {
      const res = await preflight(tg, '/oauth/token', origin, 'POST');
      assert.equal(res.statusCode, 204);
      assertNoCors(res.headers);
    }
    assertNoCors((await preflight(tg, '/oauth/token', APP, 'PUT')).headers);
    assertNoCors((await tg.app.inject({ method: 'OPTIONS', url: '/oauth/token' })).headers);
  });
});

describe('CORS on the actual answer', () => {
  test("the token endpoint: the client's origin reads tokens and errors; another client's origin and a stranger read nothing", async (t) => {
    const tg = await start(t, withOrigins);
    const ok = await loginAsMobile(tg, { origin: APP });
    assert.equal(ok.statusCode, 200);
    assertReadableBy(ok.headers, APP);
    // The wrong password's message is for the app to show, so the page must be able to read it.
    const wrong = await loginAsMobile(tg, { origin: APP }, 'wrong');
    assert.equal(wrong.statusCode, 400);
    assertReadableBy(wrong.headers, APP);
    // WEB_APP is registered, but by web: mobile's answers stay unreadable there.
    for (const origin of [WEB_APP, STRANGER]) {
      const res = await loginAsMobile(tg, { origin });
      assertNoCors(res.headers);
      assert.equal(res.headers.vary, 'Origin');
    }
    const noOrigin = await loginAsMobile(tg, {});
    assertNoCors(noOrigin.headers);
  });

  test('a client named by the Basic header', async (t) => {
    const tg = await start(t, withOrigins);
    const res = await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: ['web', SECRET], headers: { origin: WEB_APP } });
    assert.equal(res.status, 200);
    assertReadableBy(res.headers, WEB_APP);
    const other = await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: ['web', SECRET], headers: { origin: APP } });
    assertNoCors(other.headers);
  });

  test('revocation, userinfo (bearer) and realms', async (t) => {
    const tg = await start(t, withOrigins);
    const tokens = (await loginAsMobile(tg, {})).json();
    const userinfo = await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { origin: APP, authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(userinfo.statusCode, 200);
    assertReadableBy(userinfo.headers, APP);
    assertNoCors((await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { origin: WEB_APP, authorization: `Bearer ${tokens.access_token}` } })).headers);
    const revoke = await tg.app.inject({
      method: 'POST', url: '/oauth/revoke', headers: { origin: APP, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `client_id=mobile&token=${tokens.refresh_token}`,
    });
    assert.equal(revoke.statusCode, 200);
    assertReadableBy(revoke.headers, APP);
    const realms = await tg.app.inject({ method: 'GET', url: '/realms?client_id=mobile', headers: { origin: APP } });
    assertReadableBy(realms.headers, APP);
    assertNoCors((await tg.app.inject({ method: 'GET', url: '/realms?client_id=web', headers: { origin: APP } })).headers);
    // Endpoints a browser app has no business calling get no CORS at all.
    const discovery = await tg.app.inject({ method: 'GET', url: '/.well-known/openid-configuration', headers: { origin: APP } });
    assertNoCors(discovery.headers);
  });

  test('the MFA API: the mfa_token names the client', async (t) => {
    const tg = await start(t, withMfa('always', withOrigins));
    const login = await loginAsMobile(tg, { origin: APP });
    assert.equal(login.statusCode, 403);
    const mfaToken = login.json().mfa_token;
    const listed = await tg.app.inject({ method: 'GET', url: '/mfa/authenticators', headers: { origin: APP, authorization: `Bearer ${mfaToken}` } });
    assert.equal(listed.statusCode, 200);
    assertReadableBy(listed.headers, APP);
    assertNoCors((await tg.app.inject({ method: 'GET', url: '/mfa/authenticators', headers: { origin: WEB_APP, authorization: `Bearer ${mfaToken}` } })).headers);
    const associate = await tg.app.inject({
      method: 'POST', url: '/mfa/associate', headers: { origin: APP, authorization: `Bearer ${mfaToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ client_id: 'mobile', authenticator_types: ['otp'] }),
    });
    assert.equal(associate.statusCode, 200, associate.body);
    assertReadableBy(associate.headers, APP);
  });
});

describe('clients[].allowed_origins', () => {
  for (const origin of ['*', 'https://*.example.com', 'https://app.example.com/', 'https://app.example.com/login', 'ftp://app.example.com', 'HTTPS://app.example.com', 'app.example.com']) {
    test(`refuses ${JSON.stringify(origin)}`, () => {
      const config = baseConfig();
      config.clients![2] = { ...config.clients![2]!, allowed_origins: [origin] } as never;
      assert.throws(() => parseConfig(config, 'test', {}), /clients\[2\]\.allowed_origins\[0\]: must be an origin/);
    });
  }
});
