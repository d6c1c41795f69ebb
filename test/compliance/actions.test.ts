/**
 * Post-login actions (Auth0's Rules and Actions) over HTTP: as in Auth0's Resource Owner Password Flow ("rules run
 * for the Resource Owner Password Flow, including the realm grant; redirect rules fail"), custom claims namespaced as
 * its OIDC-conformant pipeline asks, and the actions API, limits and built-ins. Time is frozen for tokens; the action
 * time limit is real milliseconds.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { ActionConfig } from '../../src/config/schema.ts';
import { API, NOW, REALM_GRANT, aliceLogin, start, webClient, type Res, type TestTollgate } from '../helpers/tollgate.ts';
import { MFA_OTP, mfaApi, webInBody, withMfa } from '../helpers/mfa.ts';
import { totpCode } from '../../src/mfa/totp.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/actions/${name}.ts`, import.meta.url));
type ActionInput = Omit<Partial<ActionConfig>, 'name'> & { name: string };

/** The base configuration with these actions, refresh tokens for web, and `extra` applied last. */
function withActions(actions: ActionInput[], extra: (c: ConfigInput) => void = () => {}): (c: ConfigInput) => void {
  return (c) => {
    c.actions = actions;
    c.clients = c.clients!.map((client) => client.client_id === 'web' ? { ...client, grant_types: [...client.grant_types!, 'refresh_token'] } : client);
    extra(c);
  };
}

function setWebMetadata(metadata: Record<string, string>): (c: ConfigInput) => void {
  return (c) => { c.clients = c.clients!.map((client) => client.client_id === 'web' ? { ...client, client_metadata: metadata } : client); };
}

function assertError(res: Res, status: number, error: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.equal(res.body.access_token, undefined);
}

const login = (tg: TestTollgate, scope = 'openid profile offline_access') => tg.token({ ...aliceLogin, scope, audience: API }, { basic: webClient });

async function lastEvent(tg: TestTollgate, type: 'action.failed' | 'action.denied' | 'user.metadata_updated') {
  const [event] = await tg.store.events.listEvents({ type, limit: 1 });
  return event;
}

async function appMetadata(tg: TestTollgate) {
  return (await tg.store.users.findUserByLogin('customers', 'alice'))!.app_metadata;
}

describe('post-login actions: the event and the claims', () => {
  test('actions run for the password grant; the event carries user, client, request, transaction and authentication', async (t) => {
    const tg = await start(t, withActions([{ name: 'echo', module: fixture('echo-event') }], setWebMetadata({ tier: 'gold' })));
    const res = await login(tg, 'openid profile offline_access read:items');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const event = decodeJwt(res.body.id_token)['https://tollgate.test/event'] as any;
    const alice = await tg.store.users.findUserByLogin('customers', 'alice');
    assert.deepEqual(event.user, {
      sub: alice!.id, user_id: alice!.id, connection: 'customers', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell',
      given_name: 'Alice', family_name: null, nickname: null, picture: null, user_metadata: {}, app_metadata: {},
    });
    assert.deepEqual(event.client, { client_id: 'web', name: null, metadata: { tier: 'gold' } });
    assert.equal(event.request.ip, '127.0.0.1');
    assert.deepEqual(event.transaction, {
      protocol: 'oauth2-password', requested_scopes: ['openid', 'profile', 'offline_access', 'read:items'],
      granted_scopes: ['openid', 'profile', 'offline_access', 'read:items'], audience: API,
    });
    assert.deepEqual(event.authentication, { methods: [{ name: 'pwd', timestamp: NOW }] });
    assert.equal(decodeJwt(res.body.access_token)['https://tollgate.test/protocol'], 'oauth2-password');
  });

  test('the realm grant runs them too, with protocol oauth2-password-realm', async (t) => {
    const tg = await start(t, withActions([{ name: 'echo', module: fixture('echo-event') }]));
    const res = await tg.token({ grant_type: REALM_GRANT, username: 'alice', password: 'employee-password', realm: 'employees', scope: 'openid' }, { basic: webClient });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(decodeJwt(res.body.access_token)['https://tollgate.test/protocol'], 'oauth2-password-realm');
  });

  test('builtin/app-metadata-claims copies app_metadata into namespaced claims of both tokens; registered claims stay Tollgate\'s', async (t) => {
    const tg = await start(t, withActions([
      { name: 'roles', uses: 'builtin/app-metadata-claims', with: { namespace: 'https://app.example.com', keys: ['roles', 'missing'] } },
    ], (c) => { c.users![0]!.app_metadata = { roles: ['admin', 'editor'] }; }));
    const res = await login(tg);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const access = decodeJwt(res.body.access_token);
    assert.deepEqual(access['https://app.example.com/roles'], ['admin', 'editor']);
    assert.equal(Object.keys(access).some((k) => k.endsWith('/missing')), false, 'a key the user lacks is skipped');
    assert.deepEqual(decodeJwt(res.body.id_token)['https://app.example.com/roles'], ['admin', 'editor']);
  });

  for (const [name, allow, ok] of [
    ['sub', [], false], ['scope', [], false], ['cnf', [], false], ['favorite_color', [], false], ['favorite_color', ['favorite_color'], true],
    ['urn:example:color', [], false], ['https://app.example.com/color', [], true],
  ] as const) {
    test(`a claim named ${name}${allow.length ? ' (allowlisted)' : ''} is ${ok ? 'accepted' : 'refused with server_error and an event naming the action'}`, async (t) => {
      const tg = await start(t, withActions([{ name: 'setter', module: fixture('set-claim') }], (c) => {
        setWebMetadata({ claim: name })(c);
        c.custom_claims = { allow: [...allow] };
      }));
      const res = await login(tg);
      if (ok) {
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(decodeJwt(res.body.access_token)[name], 'value');
        return;
      }
      assertError(res, 500, 'server_error');
      const event = await lastEvent(tg, 'action.failed');
      assert.match(event!.reason!, new RegExp(`^setter: setCustomClaim: '?"?${name.replace(/[.:/]/g, '.')}`));
      assert.equal(event!.client_id, 'web');
    });
  }
});

describe('post-login actions: decisions and failures', () => {
  test('access.deny answers 403 access_denied with the reason; later actions do not run and nothing is stored', async (t) => {
    const tg = await start(t, withActions([
      { name: 'count', module: fixture('count-logins') },
      { name: 'staff-only', uses: 'builtin/deny-unless', with: { email_domains: ['corp.example.com'], reason: 'Staff only.' } },
      { name: 'never-reached', module: fixture('throws') },
    ]));
    const res = await login(tg);
    assertError(res, 403, 'access_denied');
    assert.equal(res.body.error_description, 'Staff only.');
    assert.deepEqual(await appMetadata(tg), {}, 'the count of a denied login is not stored');
    assert.equal((await lastEvent(tg, 'action.denied'))?.reason, 'staff-only: Staff only.');
    assert.equal(await lastEvent(tg, 'action.failed'), undefined, 'the throwing action after the denial never ran');
  });

  test('builtin/deny-unless lets a matching user through (connection, email domain, app_metadata value in an array)', async (t) => {
    const tg = await start(t, withActions([{
      name: 'admins', uses: 'builtin/deny-unless', with: { connections: ['customers'], email_domains: ['EXAMPLE.com'], app_metadata: { roles: 'admin' } },
    }], (c) => { c.users![0]!.app_metadata = { roles: ['user', 'admin'] }; }));
    assert.equal((await login(tg)).status, 200);
  });

  test('a throw answers 500 server_error; the detail is in the event log, never in the response', async (t) => {
    const tg = await start(t, withActions([{ name: 'buggy', module: fixture('throws') }]));
    const res = await login(tg);
    assertError(res, 500, 'server_error');
    assert.doesNotMatch(JSON.stringify(res.body), /hunter2|buggy/);
    assert.equal((await lastEvent(tg, 'action.failed'))?.reason, 'buggy: threw: Error: database password is hunter2');
  });

  test('an action past its time limit answers 500 server_error, and its late calls change nothing', async (t) => {
    const tg = await start(t, withActions([{ name: 'slow', module: fixture('hangs'), timeout: 50 }]));
    const res = await login(tg);
    assertError(res, 500, 'server_error');
    assert.equal((await lastEvent(tg, 'action.failed'))?.reason, 'slow: timed out after 50 ms');
  });

  test('a redirect (redirect.sendUserTo) fails the login with invalid_request', async (t) => {
    const tg = await start(t, withActions([{ name: 'consent', module: fixture('redirects') }]));
    const res = await login(tg);
    assertError(res, 400, 'invalid_request');
    assert.match(res.body.error_description, /redirect/);
    assert.match((await lastEvent(tg, 'action.failed'))!.reason!, /^consent: redirect/);
  });

  test('user.setAppMetadata / setUserMetadata are stored after the pipeline succeeds; the next login sees them', async (t) => {
    const tg = await start(t, withActions([{ name: 'count', module: fixture('count-logins') }], (c) => { c.users![0]!.user_metadata = { theme: 'dark', lang: 'en' }; }));
    assert.equal(decodeJwt((await login(tg)).body.access_token)['https://tollgate.test/logins'], 1);
    assert.equal(decodeJwt((await login(tg)).body.access_token)['https://tollgate.test/logins'], 2);
    const alice = await tg.store.users.findUserByLogin('customers', 'alice');
    assert.deepEqual(alice!.app_metadata, { logins: 2 });
    assert.deepEqual(alice!.user_metadata, { lang: 'en' }, 'null removed the key, others stay');
    assert.equal((await lastEvent(tg, 'user.metadata_updated'))?.user_id, alice!.id);
  });

  test('actions limited to clients or connections run only there', async (t) => {
    const tg = await start(t, withActions([
      { name: 'mobile-only', module: fixture('throws'), clients: ['mobile'] },
      { name: 'employees-only', module: fixture('throws'), connections: ['employees'] },
    ]));
    assert.equal((await login(tg)).status, 200);
    const employee = await tg.token({ grant_type: REALM_GRANT, username: 'alice', password: 'employee-password', realm: 'employees' }, { basic: webClient });
    assertError(employee, 500, 'server_error');
    assert.match((await lastEvent(tg, 'action.failed'))!.reason!, /^employees-only:/);
  });

  test('a wrong password runs no action', async (t) => {
    const tg = await start(t, withActions([{ name: 'buggy', module: fixture('throws') }]));
    assertError(await tg.token({ ...aliceLogin, password: 'wrong' }, { basic: webClient }), 400, 'invalid_grant');
    assert.equal(await lastEvent(tg, 'action.failed'), undefined);
  });
});

describe('post-login actions: refresh and MFA', () => {
  test('refresh grants run the actions with protocol oauth2-refresh-token; a denial leaves the refresh token usable', async (t) => {
    const tg = await start(t, withActions([{ name: 'echo', module: fixture('echo-event') }]));
    const first = await login(tg);
    const refreshed = await tg.token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token }, { basic: webClient });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const event = decodeJwt(refreshed.body.id_token)['https://tollgate.test/event'] as any;
    assert.equal(event.transaction.protocol, 'oauth2-refresh-token');
    assert.deepEqual(event.authentication.methods, [{ name: 'pwd', timestamp: NOW }]);
  });

  test('multifactor.enable in a refresh of a login without a second factor answers invalid_grant (log in again)', async (t) => {
    const tg = await start(t, withActions([{ name: 'mfa', module: fixture('requires-mfa') }], withMfa('if_enrolled', setWebMetadata({ mfa_on: 'oauth2-refresh-token' }))));
    const first = await login(tg);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const refreshed = await tg.token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token }, { basic: webClient });
    assertError(refreshed, 400, 'invalid_grant');
    assert.match(refreshed.body.error_description, /log in again/);
  });

  test('multifactor.enable answers mfa_required; after the factor the tokens carry the claims of the one run, and metadata is counted once', async (t) => {
    const tg = await start(t, withActions([
      { name: 'count', module: fixture('count-logins') },
      { name: 'mfa', module: fixture('requires-mfa') },
    ], withMfa('if_enrolled', setWebMetadata({ factor: 'otp' }))));
    const res = await login(tg);
    assertError(res, 403, 'mfa_required');
    assert.deepEqual(await appMetadata(tg), {}, 'nothing is stored before the second factor');
    assert.equal((await tg.store.events.listEvents({ type: 'mfa.required', limit: 1 }))[0]?.reason, 'action:otp');
    const associate = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: res.body.mfa_token, body: { ...webInBody, authenticator_types: ['otp'] } });
    assert.equal(associate.status, 200, JSON.stringify(associate.body));
    const done = await tg.token({ grant_type: MFA_OTP, mfa_token: res.body.mfa_token, otp: totpCode(associate.body.secret, NOW) }, { basic: webClient });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(decodeJwt(done.body.id_token)['https://tollgate.test/checked'], true);
    assert.equal(decodeJwt(done.body.access_token)['https://tollgate.test/logins'], 1);
    assert.deepEqual(decodeJwt(done.body.id_token).amr, ['pwd', 'mfa', 'otp']);
    assert.deepEqual(await appMetadata(tg), { logins: 1 });

    // The refresh of an MFA login satisfies the action: amr already has mfa.
    const refreshed = await tg.token({ grant_type: 'refresh_token', refresh_token: done.body.refresh_token }, { basic: webClient });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  });

  test('when the MFA policy asks for a factor, actions run once, after it (methods pwd then mfa)', async (t) => {
    const tg = await start(t, withActions([{ name: 'echo', module: fixture('echo-event') }, { name: 'count', module: fixture('count-logins') }], withMfa('always')));
    const res = await login(tg);
    assertError(res, 403, 'mfa_required');
    assert.deepEqual(await appMetadata(tg), {});
    const associate = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: res.body.mfa_token, body: { ...webInBody, authenticator_types: ['otp'] } });
    tg.advance(30);
    const done = await tg.token({ grant_type: MFA_OTP, mfa_token: res.body.mfa_token, otp: totpCode(associate.body.secret, NOW + 30) }, { basic: webClient });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const event = decodeJwt(done.body.id_token)['https://tollgate.test/event'] as any;
    assert.deepEqual(event.authentication.methods, [{ name: 'pwd', timestamp: NOW }, { name: 'mfa', timestamp: NOW + 30 }, { name: 'otp', timestamp: NOW + 30 }]);
    assert.equal(event.transaction.protocol, 'oauth2-password');
    assert.deepEqual(await appMetadata(tg), { logins: 1 });
  });

  test('builtin/mfa-unless-ip: no factor from an allowed range, mfa_required from elsewhere', async (t) => {
    const tg = await start(t, withActions([{ name: 'office', uses: 'builtin/mfa-unless-ip', with: { allow: ['10.0.0.0/8'] } }], withMfa('if_enrolled')));
    const office = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient, remoteAddress: '10.1.2.3' });
    assert.equal(office.status, 200, JSON.stringify(office.body));
    assertError(await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient, remoteAddress: '192.0.2.7' }), 403, 'mfa_required');
  });

  test('an action asking for a factor the connection does not allow is a server_error, not a stuck login', async (t) => {
    const tg = await start(t, withActions([{ name: 'mfa', module: fixture('requires-mfa') }], withMfa('if_enrolled', setWebMetadata({ factor: 'sms' }))));
    assertError(await login(tg), 500, 'server_error');
  });
});

