/**
 * Refresh tokens (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2,
 * RFC 6819 §5.2.2.3), their lifetimes, their revocation with the user, and the
 * housekeeping that keeps their table bounded.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { API, NOW, PASSWORD, REALM_GRANT, aliceLogin, baseConfig, basicAuth, startTollgate, webClient, type TestTollgate } from '../helpers/tollgate.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { syncConfig } from '../../src/config/sync.ts';
import { tokenHash } from '../../src/tokens/opaque.ts';
import { findPresented, MAX_LIVE_TOKENS } from '../../src/tokens/refresh.ts';
import { verifyWithJwks } from '../helpers/jwks.ts';
import { countCalls, holdCalls, type HeldCalls } from '../helpers/barrier.ts';
import { openTestPostgres } from '../helpers/postgres.ts';
import type { Store } from '../../src/storage/store.ts';

type RefreshPolicy = NonNullable<NonNullable<ConfigInput['clients']>[number]['refresh_token']>;
type Res = Awaited<ReturnType<TestTollgate['token']>>;

function clientOf(c: ConfigInput, id: string) {
  const found = c.clients!.find((client) => client.client_id === id);
  assert.ok(found, `client ${id} is configured`);
  return found;
}

/** web (Basic) and mobile (public) may refresh; `policy` applies to web. */
function refreshable(c: ConfigInput, policy: RefreshPolicy = {}): void {
  const web = clientOf(c, 'web');
  web.grant_types = [...web.grant_types!, 'refresh_token'];
  web.refresh_token = policy;
  const mobile = clientOf(c, 'mobile');
  mobile.grant_types = [...mobile.grant_types!, 'refresh_token'];
}

async function start(t: TestContext, policy: RefreshPolicy = {}, modify: (c: ConfigInput) => void = () => {}, options?: { store?: Store }): Promise<TestTollgate> {
  const tg = await startTollgate((c) => {
    refreshable(c, policy);
    modify(c);
  }, options);
  t.after(() => tg.close());
  return tg;
}

/** alice logs in through web (Basic) and gets a refresh token. */
async function login(tg: TestTollgate, params: Record<string, string> = {}): Promise<{ access_token: string; refresh_token: string; id_token?: string; scope: string }> {
  const res = await tg.token({ ...aliceLogin, scope: 'openid offline_access', ...params }, { basic: webClient });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(typeof res.body.refresh_token, 'string', 'a refresh token was issued');
  return res.body;
}

function refresh(tg: TestTollgate, refreshToken: string, params: Record<string, string> = {}): Promise<Res> {
  return tg.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...params }, { basic: webClient });
}

/** A successful refresh; returns the body. */
async function refreshed(tg: TestTollgate, refreshToken: string, params: Record<string, string> = {}) {
  const res = await refresh(tg, refreshToken, params);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { access_token: string; refresh_token?: string; id_token?: string; scope: string; expires_in: number };
}

function assertInvalidGrant(res: Res, why: string): void {
  assert.equal(res.status, 400, `${why}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error, 'invalid_grant', why);
  assert.equal(res.body.refresh_token, undefined);
  assert.equal(res.body.access_token, undefined);
}

/** The stored family a refresh token names. */
async function record(tg: TestTollgate, refreshToken: string) {
  return (await found(tg, refreshToken)).family;
}

/** The family a refresh token names, and whether the token is live in it, the one its last rotation consumed, or older. */
async function found(tg: TestTollgate, refreshToken: string) {
  const presented = await findPresented(tg.store.refreshFamilies, refreshToken);
  assert.ok(presented, 'the refresh token names a stored family');
  return presented;
}

/** Whether any stored family is named by the token. */
async function stored(tg: TestTollgate, refreshToken: string): Promise<boolean> {
  return (await findPresented(tg.store.refreshFamilies, refreshToken)) !== undefined;
}

const scopes = (scope: string) => scope.split(' ').filter(Boolean).sort();

/** The status /userinfo answers an access token with: 200, or 401 once it is revoked. */
async function userinfoStatus(tg: TestTollgate, accessToken: string): Promise<number> {
  return (await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${accessToken}` } })).statusCode;
}

/** Whether introspection (as web, registered for it in the test) says the token is active. */
async function introspectedActive(tg: TestTollgate, accessToken: string): Promise<boolean> {
  const res = await tg.app.inject({
    method: 'POST', url: '/oauth/introspect', headers: { authorization: basicAuth(...webClient), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token: accessToken }).toString(),
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().active;
}

// Issuance

test('RFC 6749 §6 / RFC 9700 §4.14: a refresh token is issued only when the client may refresh and offline_access is granted', async (t) => {
  const tg = await start(t, {}, (c) => {
    c.clients!.push({ client_id: 'norefresh', client_secret: 'norefresh-secret-0123456789-abcdefghijklmnop', grant_types: ['password'] });
  });
  const withoutOffline = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient });
  assert.equal(withoutOffline.status, 200);
  assert.equal(withoutOffline.body.refresh_token, undefined, 'no offline_access, no refresh token');

  const defaultScope = await tg.token(aliceLogin, { basic: webClient });
  assert.equal(defaultScope.status, 200);
  assert.equal(defaultScope.body.refresh_token, undefined, 'offline_access is never granted unasked');

  const notAllowed = await tg.token({ ...aliceLogin, scope: 'openid offline_access' }, { basic: ['norefresh', 'norefresh-secret-0123456789-abcdefghijklmnop'] });
  assert.equal(notAllowed.status, 200);
  assert.equal(notAllowed.body.refresh_token, undefined, 'a client without the refresh_token grant type gets none');
  assert.ok(!scopes(notAllowed.body.scope).includes('offline_access'), 'nor the offline_access scope');

  const body = await login(tg);
  assert.ok(scopes(body.scope).includes('offline_access'));
  const mobile = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: PASSWORD, scope: 'openid offline_access' });
  assert.equal(mobile.status, 200, JSON.stringify(mobile.body));
  assert.equal(typeof mobile.body.refresh_token, 'string', 'public clients get refresh tokens too (they must rotate)');
});

test('RFC 9700 §4.14 / RFC 6819 §5.1.4.1.3: the refresh token is opaque, a selector and 256 random bits, and only its SHA-256 is stored', async (t) => {
  const tg = await start(t);
  const first = await login(tg, { audience: API, scope: 'openid offline_access read:items' });
  const second = await login(tg);
  for (const token of [first.refresh_token, second.refresh_token]) {
    assert.match(token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/, 'a 22-character selector, a dot, 43 base64url characters');
    const [selector, secret] = token.split('.') as [string, string];
    assert.equal(Buffer.from(selector, 'base64url').length, 16, 'a 128-bit selector');
    assert.equal(Buffer.from(secret, 'base64url').length, 32, '256 secret bits');
  }
  assert.notEqual(first.refresh_token, second.refresh_token);

  const row = await record(tg, first.refresh_token);
  const [selector, secret] = first.refresh_token.split('.') as [string, string];
  assert.equal(row.selector, selector);
  assert.deepEqual(row.token_hashes, [tokenHash(first.refresh_token)], 'only the hash of the whole token');
  assert.equal(await tg.store.refreshFamilies.findRefreshFamily(first.refresh_token), undefined, 'the plain token is not a key');
  assert.ok(!JSON.stringify(row).includes(secret), 'the secret is nowhere in the record');
  assert.equal(row.client_id, 'web');
  assert.equal(row.user_id, decodeJwt(first.access_token).sub);
  assert.deepEqual(row.scope.sort(), ['offline_access', 'openid', 'read:items']);
  assert.equal(row.audience, API);
  assert.equal(row.generation, 0);
  assert.equal(row.created_at, NOW);
  assert.equal(row.auth_time, NOW);
  assert.deepEqual(row.amr, ['pwd']);
  assert.deepEqual(row.previous_hashes, []);
  assert.equal(row.rotated_at, null);
  assert.equal(row.revoked_at, null);
  assert.equal(row.family_expires_at, NOW + 2_592_000, 'absolute_ttl defaults to 30 days');
  assert.equal(row.idle_expires_at, NOW + 1_296_000, 'idle_ttl defaults to 15 days');
  assert.notEqual((await record(tg, second.refresh_token)).family_id, row.family_id, 'each login starts its own family');
});

// The refresh grant

test('RFC 6749 §6: a refresh returns a new access token, a new ID token with the login\'s auth_time and amr, and a rotated refresh token of the same family', async (t) => {
  const tg = await start(t);
  const first = await login(tg, { audience: API, scope: 'openid profile offline_access read:items' });
  tg.advance(100);
  const res = await refresh(tg, first.refresh_token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.headers['cache-control'], 'no-store', 'RFC 6749 §5.1');
  const body = res.body;
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 600);
  assert.deepEqual(scopes(body.scope), ['offline_access', 'openid', 'profile', 'read:items'], 'omitted scope = the scope originally granted');

  assert.notEqual(body.access_token, first.access_token);
  const before = decodeJwt(first.access_token);
  const { payload: access } = await verifyWithJwks(tg, body.access_token, { typ: 'at+jwt', currentDate: new Date((NOW + 100) * 1000) });
  assert.equal(access.sub, before.sub);
  assert.equal(access.client_id, 'web');
  assert.equal(access.iat, NOW + 100, 'a new access token, issued now');
  assert.deepEqual(scopes(access.scope as string), scopes(body.scope));
  assert.ok((Array.isArray(access.aud) ? access.aud : [access.aud]).includes(API), 'still for the API of the login');

  assert.equal(typeof body.id_token, 'string', 'openid in scope: a new ID token');
  const { payload: id } = await verifyWithJwks(tg, body.id_token, { audience: 'web', currentDate: new Date((NOW + 100) * 1000) });
  assert.equal(id.sub, before.sub);
  assert.equal(id.iat, NOW + 100);
  assert.equal(id.auth_time, NOW, 'auth_time is the login, not the refresh (OIDC Core §12.2)');
  assert.deepEqual(id.amr, ['pwd']);
  assert.equal(id.name, 'Alice Liddell');

  assert.equal(typeof body.refresh_token, 'string');
  assert.notEqual(body.refresh_token, first.refresh_token, 'rotating by default');
  const parent = await found(tg, first.refresh_token);
  const child = await found(tg, body.refresh_token);
  assert.equal(parent.presented, 'previous', 'the presented token is consumed');
  assert.equal(child.presented, 'live');
  assert.equal(child.family.selector, parent.family.selector, 'one family, one record');
  assert.equal(child.family.rotated_at, NOW + 100);
  assert.equal(child.family.generation, 1);
  assert.equal(child.family.auth_time, NOW);
  assert.equal(child.family.family_expires_at, NOW + 2_592_000, 'rotation does not extend the family');
  assert.equal(child.family.idle_expires_at, NOW + 100 + 1_296_000);

  tg.advance(100);
  const third = await refreshed(tg, body.refresh_token);
  assert.equal((await record(tg, third.refresh_token!)).generation, 2);
});

test('RFC 6749 §6: without openid, a refresh returns no ID token', async (t) => {
  const tg = await start(t);
  const first = await login(tg, { audience: API, scope: 'offline_access read:items' });
  assert.equal((first as { id_token?: string }).id_token, undefined);
  const body = await refreshed(tg, first.refresh_token);
  assert.equal(body.id_token, undefined);
  assert.deepEqual(scopes(body.scope), ['offline_access', 'read:items']);
});

test('RFC 6749 §6, §10.4: the refresh token is bound to its client, which authenticates as registered', async (t) => {
  const tg = await start(t);
  const { refresh_token } = await login(tg);

  const otherClient = await tg.token({ grant_type: 'refresh_token', client_id: 'mobile', refresh_token });
  assertInvalidGrant(otherClient, "another client's refresh token");

  // As at Auth0, the secret may come in the body for a client_secret_basic client; a wrong one there is still refused.
  const wrongSecretInBody = await tg.token({ grant_type: 'refresh_token', refresh_token, client_id: 'web', client_secret: 'not-the-secret' });
  assert.equal(wrongSecretInBody.status, 400, JSON.stringify(wrongSecretInBody.body));
  assert.equal(wrongSecretInBody.body.error, 'invalid_client');

  const anonymous = await tg.token({ grant_type: 'refresh_token', refresh_token });
  assert.equal(anonymous.status, 400);
  assert.equal(anonymous.body.error, 'invalid_client');

  const wrongSecret = await tg.token({ grant_type: 'refresh_token', refresh_token }, { basic: ['web', 'not-the-secret'] });
  assert.equal(wrongSecret.status, 401);
  assert.equal(wrongSecret.body.error, 'invalid_client');

  const row = await found(tg, refresh_token);
  assert.equal(row.presented, 'live', 'failed attempts consume nothing');
  assert.equal(row.family.revoked_at, null, 'and revoke nothing');
  await refreshed(tg, refresh_token);

  const mobile = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: PASSWORD, scope: 'openid offline_access' });
  assert.equal(mobile.status, 200);
  const byWeb = await refresh(tg, mobile.body.refresh_token);
  assertInvalidGrant(byWeb, "web presenting mobile's token");
  const own = await tg.token({ grant_type: 'refresh_token', client_id: 'mobile', refresh_token: mobile.body.refresh_token });
  assert.equal(own.status, 200, JSON.stringify(own.body));
  assert.equal(typeof own.body.refresh_token, 'string', 'a public client always rotates');
  assert.notEqual(own.body.refresh_token, mobile.body.refresh_token);
});

test('RFC 6749 §6: missing, unknown and malformed refresh tokens are refused', async (t) => {
  const tg = await start(t);
  const missing = await tg.token({ grant_type: 'refresh_token' }, { basic: webClient });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error, 'invalid_request');
  assertInvalidGrant(await refresh(tg, 'A'.repeat(43)), 'unknown token');
  assertInvalidGrant(await refresh(tg, 'not a token at all'), 'garbage');
  for (const odd of ['.', '.secret', 'selector.', `${'s'.repeat(65)}.secret`, 'a.b.c', `unknown-selector.${'A'.repeat(43)}`]) {
    assertInvalidGrant(await refresh(tg, odd), `malformed: ${odd.slice(0, 20)}`);
  }
  const { access_token } = await login(tg);
  assertInvalidGrant(await refresh(tg, access_token), 'an access token is not a refresh token');
});

test('RFC 6749 §6: a client not registered for the refresh_token grant gets unauthorized_client', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const res = await refresh(tg, 'A'.repeat(43));
  assert.equal(res.status, 400);
  assert.equal(res.body.error, 'unauthorized_client');
});

test('RFC 6749 §6: scope may narrow the grant (the new access token carries it), never widen it (invalid_scope)', async (t) => {
  const tg = await start(t);
  const first = await login(tg, { audience: API, scope: 'openid offline_access read:items write:items' });

  const narrow = await refreshed(tg, first.refresh_token, { scope: 'read:items offline_access' });
  assert.deepEqual(scopes(narrow.scope), ['offline_access', 'read:items']);
  assert.deepEqual(scopes(decodeJwt(narrow.access_token).scope as string), ['offline_access', 'read:items'], 'the access token carries the narrowed scope');
  assert.deepEqual(decodeJwt(narrow.access_token).aud, API, 'no openid: the API alone');
  assert.equal(narrow.id_token, undefined, 'openid was not asked for this time');

  // RFC 6749 §6: "If a new refresh token is issued, the refresh token scope MUST be identical to that of the
  // refresh token included by the client in the request."
  const successor = await record(tg, narrow.refresh_token!);
  assert.deepEqual(successor.scope.sort(), ['offline_access', 'openid', 'read:items', 'write:items'], 'the new refresh token keeps the presented scope');
  const full = await refreshed(tg, narrow.refresh_token!);
  assert.deepEqual(scopes(full.scope), ['offline_access', 'openid', 'read:items', 'write:items'], 'omitted scope is the original grant again');
  assert.equal(typeof full.id_token, 'string');

  const wider = await refresh(tg, full.refresh_token!, { scope: 'read:items profile' });
  assert.equal(wider.status, 400, JSON.stringify(wider.body));
  assert.equal(wider.body.error, 'invalid_scope', 'profile was never granted');
  const otherApi = await refresh(tg, full.refresh_token!, { scope: 'other:scope' });
  assert.equal(otherApi.body.error, 'invalid_scope');
  assert.equal((await found(tg, full.refresh_token!)).presented, 'live', 'a refused scope consumes nothing');
  await refreshed(tg, full.refresh_token!, { scope: 'openid' });
});

// Rotation and reuse detection

/** Of 20 refreshes of one token that have all decided on a successor, exactly one is written; the family lives. */
async function twentyRacingRefreshes(tg: TestTollgate, hold: (store: Store) => HeldCalls): Promise<void> {
  const { refresh_token } = await login(tg);
  const writes = countCalls(tg.store.refreshFamilies, 'advanceRefreshFamily');
  const held = hold(tg.store);
  const results = await Promise.all(Array.from({ length: 20 }, () => refresh(tg, refresh_token)));
  assert.ok(held.calls >= 20, 'every request reached the barrier');
  assert.equal(writes.calls, 20, 'every request attempted the conditional write, once');
  const winners = results.filter((r) => r.status === 200);
  assert.equal(winners.length, 1, `exactly one winner: ${results.map((r) => r.status).join(',')}`);
  for (const loser of results.filter((r) => r.status !== 200)) assertInvalidGrant(loser, 'a lost race');

  const successor = winners[0]!.body.refresh_token as string;
  const row = await record(tg, successor);
  assert.equal(row.revoked_at, null, 'losing a race is not evidence of theft: the family lives');
  assert.equal(row.generation, 1, 'one successor, generation 1');
  tg.advance(1);
  const next = await refreshed(tg, successor);
  assert.equal(typeof next.refresh_token, 'string', "the winner's refresh token still works");
}

// The embedded store answers synchronously, so in-process requests would run one after another: each race holds its
// 20 requests at a barrier, so that only the store's compare-and-set on the family can pick one winner.
for (const [name, open] of [['SQLite', undefined], ['PostgreSQL', openTestPostgres]] as const) {
  test(`RFC 9700 §4.14.2: of 20 refreshes of one token held just before their conditional writes, exactly one succeeds; the rest get invalid_grant and its successor lives (${name})`, { timeout: 10_000 }, async (t) => {
    const tg = await start(t, {}, undefined, open && { store: await open() });
    // On PostgreSQL the 20 UPDATEs run at once on the pool: READ COMMITTED makes each wait for the first and re-check its WHERE.
    await twentyRacingRefreshes(tg, (store) => holdCalls(store.refreshFamilies, 'advanceRefreshFamily', 20));
  });
}

test('RFC 9700 §4.14.2: the consumption is one conditional write: 20 refreshes that all read the token before any consumes it still yield one winner', { timeout: 10_000 }, async (t) => {
  const tg = await start(t);
  await twentyRacingRefreshes(tg, (store) => holdCalls(store.refreshFamilies, 'findRefreshFamily', 20));
});

test('RFC 9700 §4.14.2: a request that read the token unconsumed lost a race, not replayed it, even when the winner wrote in the second before', async (t) => {
  const tg = await start(t);
  const { refresh_token } = await login(tg);
  // The loser reads the token, the winner rotates it, the clock ticks over, then the loser tries its write.
  const store = tg.store;
  const find = store.refreshFamilies.findRefreshFamily.bind(store.refreshFamilies);
  let loserRead!: () => void;
  let releaseLoser!: () => void;
  const read = new Promise<void>((resolve) => (loserRead = resolve));
  const released = new Promise<void>((resolve) => (releaseLoser = resolve));
  let reads = 0;
  store.refreshFamilies.findRefreshFamily = async (id) => {
    const family = await find(id);
    if (reads++ === 0) {
      loserRead();
      await released;
    }
    return family;
  };
  const loser = refresh(tg, refresh_token);
  await read;
  const winner = await refreshed(tg, refresh_token);
  tg.advance(1);
  releaseLoser();
  assertInvalidGrant(await loser, 'a lost race');
  assert.equal((await record(tg, winner.refresh_token!)).revoked_at, null, 'the family lives');
  await refreshed(tg, winner.refresh_token!);
});

test('RFC 6819 §5.2.2.3 / RFC 9700 §4.14.2: a consumed token presented again in the same second is refused; later it revokes the whole family', async (t) => {
  const tg = await start(t);
  const { refresh_token: a } = await login(tg);
  const b = (await refreshed(tg, a)).refresh_token!;

  assertInvalidGrant(await refresh(tg, a), 'consumed, same second');
  assert.equal((await record(tg, b)).revoked_at, null, 'within the same second it may be a lost race: no revocation');
  assert.ok(!tg.logs.some((l) => l.includes('refresh_token_reuse')));
  const c = (await refreshed(tg, b)).refresh_token!;

  tg.advance(1);
  assertInvalidGrant(await refresh(tg, a), 'reuse after the leeway (0)');
  for (const token of [a, b, c]) assert.equal((await record(tg, token)).revoked_at, NOW + 1, 'every token of the family is revoked');
  assertInvalidGrant(await refresh(tg, c), 'the latest successor stopped working');
  assert.ok(tg.logs.some((l) => l.includes('refresh_token_reuse')), 'the reuse is logged');
  assert.ok(!tg.logs.some((l) => l.includes(a) || l.includes(c)), 'without the tokens');

  // Other families of the same user are untouched.
  const other = await login(tg);
  await refreshed(tg, other.refresh_token);
});

test('RFC 6819 §5.2.2.3: a token with its family\'s selector but a secret the family has moved past (or never had) is reuse: the family goes', async (t) => {
  const tg = await start(t);
  const { refresh_token: a } = await login(tg);
  const b = (await refreshed(tg, a)).refresh_token!;
  tg.advance(1);
  const selector = b.split('.')[0]!;
  const forged = `${selector}.${'A'.repeat(43)}`;
  assert.equal((await found(tg, forged)).presented, 'older', 'only a token of the family carries its selector');
  assertInvalidGrant(await refresh(tg, forged), 'a secret the family does not know');
  assert.equal((await record(tg, b)).revoked_at, NOW + 1);
  assertInvalidGrant(await refresh(tg, b), 'the family is revoked');
});

test('RFC 6819 §5.2.2.3 / RFC 7009 §2.1: reuse detection also invalidates the access tokens of the family (401 at /userinfo, inactive at introspection); another family of the same user stays valid', async (t) => {
  const tg = await start(t, {}, (c) => { clientOf(c, 'web').introspection = true; });
  const first = await login(tg);
  const next = await refreshed(tg, first.refresh_token);
  const other = await login(tg);
  for (const token of [first.access_token, next.access_token, other.access_token]) {
    assert.equal(await userinfoStatus(tg, token), 200);
    assert.equal(await introspectedActive(tg, token), true);
  }
  tg.advance(1);
  assertInvalidGrant(await refresh(tg, first.refresh_token), 'reuse of a consumed token');
  for (const token of [first.access_token, next.access_token]) {
    assert.equal(await userinfoStatus(tg, token), 401, 'an access token of the reused family');
    assert.equal(await introspectedActive(tg, token), false);
  }
  assert.equal(await userinfoStatus(tg, other.access_token), 200, 'another family');
  assert.equal(await introspectedActive(tg, other.access_token), true);
});

test('RFC 9700 §4.14.2: with leeway 30 the immediately previous token may be used again within 30 s and yields a new successor', async (t) => {
  const tg = await start(t, { leeway: 30 });
  const { refresh_token: a } = await login(tg);
  const b = (await refreshed(tg, a)).refresh_token!;
  tg.advance(10);
  const retry = await refreshed(tg, a);
  const b2 = retry.refresh_token!;
  assert.notEqual(b2, b, 'a new successor');
  assert.notEqual(b2, a);
  const row = await record(tg, b2);
  assert.equal(row.family_id, (await record(tg, a)).family_id);
  assert.equal(row.generation, 1);
  assert.equal(row.revoked_at, null);
  tg.advance(1);
  await refreshed(tg, b2);
});

test('RFC 9700 §4.14.2: with leeway 30, the first successor stays live beside a re-issued one; once one of them rotates, the other is a retry within the leeway and reuse after it', async (t) => {
  const tg = await start(t, { leeway: 30 });
  const { refresh_token: a } = await login(tg);
  const b = (await refreshed(tg, a)).refresh_token!;
  tg.advance(5);
  const b2 = (await refreshed(tg, a)).refresh_token!;
  assert.equal((await found(tg, b)).presented, 'live', 'the request that lost its answer may still hold b');
  assert.equal((await found(tg, b2)).presented, 'live');
  tg.advance(5);
  const c = (await refreshed(tg, b2)).refresh_token!;
  assert.equal((await found(tg, b)).presented, 'previous', 'rotating one of them consumes both');
  tg.advance(5);
  const c2 = (await refreshed(tg, b)).refresh_token!;
  assert.equal((await found(tg, c)).family.token_hashes.length, 2, 'a retry within the leeway: c and c2');
  tg.advance(31);
  assertInvalidGrant(await refresh(tg, b), 'outside the leeway');
  assertInvalidGrant(await refresh(tg, c2), 'the family is revoked');
  assert.equal((await record(tg, c)).revoked_at, NOW + 46);
});

test(`RFC 9700 §4.14.2: retries within the leeway leave at most ${MAX_LIVE_TOKENS} live tokens; one more is refused without revoking the family`, async (t) => {
  const tg = await start(t, { leeway: 30 });
  const { refresh_token: a } = await login(tg);
  const live = [(await refreshed(tg, a)).refresh_token!];
  tg.advance(1);
  while (live.length < MAX_LIVE_TOKENS) live.push((await refreshed(tg, a)).refresh_token!);
  assertInvalidGrant(await refresh(tg, a), 'one retry too many');
  assert.equal((await record(tg, a)).revoked_at, null, 'not taken for theft');
  for (const token of live) assert.equal((await found(tg, token)).presented, 'live');
  await refreshed(tg, live[0]!);
});

test('RFC 9700 §4.14.2: with leeway 30, reusing the grandparent (whose child was itself rotated) revokes the family', async (t) => {
  const tg = await start(t, { leeway: 30 });
  const { refresh_token: a } = await login(tg);
  const b = (await refreshed(tg, a)).refresh_token!;
  tg.advance(5);
  const c = (await refreshed(tg, b)).refresh_token!;
  tg.advance(5);
  assertInvalidGrant(await refresh(tg, a), 'the grandparent, 10 s after it was consumed');
  assertInvalidGrant(await refresh(tg, c), 'the family is revoked');
  assert.equal((await record(tg, c)).revoked_at, NOW + 10);
});

test('RFC 9700 §4.14.2: with leeway 30, reuse up to 30 s is a retry and after 30 s it revokes the family', async (t) => {
  const tg = await start(t, { leeway: 30 });
  const one = await login(tg);
  const two = await login(tg);
  await refreshed(tg, one.refresh_token);
  const twoNext = (await refreshed(tg, two.refresh_token)).refresh_token!;

  tg.advance(30);
  await refreshed(tg, one.refresh_token);
  tg.advance(1);
  assertInvalidGrant(await refresh(tg, two.refresh_token), '31 s after it was consumed');
  assertInvalidGrant(await refresh(tg, twoNext), 'the family is revoked');
});

test('RFC 9700 §4.14.2: a non-rotating confidential client keeps using the same refresh token and gets no new one', async (t) => {
  const tg = await start(t, { rotation: 'non-rotating', idle_ttl: 100 });
  const { refresh_token } = await login(tg);
  for (let i = 0; i < 3; i++) {
    tg.advance(90);
    const body = await refreshed(tg, refresh_token);
    assert.equal(body.refresh_token, undefined, 'no new refresh token');
    assert.equal(typeof body.access_token, 'string');
  }
  const row = await record(tg, refresh_token);
  assert.deepEqual(row.token_hashes, [tokenHash(refresh_token)], 'the one token stays live');
  assert.equal(row.generation, 0);
  assert.equal(row.idle_expires_at, NOW + 270 + 100, 'each use pushes the idle expiry');
  tg.advance(100);
  assertInvalidGrant(await refresh(tg, refresh_token), 'idle for idle_ttl');
});

test('RFC 9700 §4.14.2: a public client configured non-rotating is a configuration error', async () => {
  await assert.rejects(
    startTollgate((c) => {
      refreshable(c);
      clientOf(c, 'mobile').refresh_token = { rotation: 'non-rotating' };
    }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.problems.some((p) => p.startsWith('clients[2].refresh_token.rotation')), err.message);
      return true;
    },
  );
});

// Lifetimes

test('RFC 6819 §5.2.2.3 / RFC 9700 §4.14.2: a refresh token unused for idle_ttl expires; each rotation restarts the idle clock', async (t) => {
  const tg = await start(t, { idle_ttl: 100, absolute_ttl: 1000 });
  const { refresh_token: a } = await login(tg);
  tg.advance(99);
  const b = (await refreshed(tg, a)).refresh_token!;
  tg.advance(99);
  const c = (await refreshed(tg, b)).refresh_token!;
  tg.advance(100);
  assertInvalidGrant(await refresh(tg, c), 'idle for exactly idle_ttl');
  assert.equal((await found(tg, c)).presented, 'live', 'an expired token is not consumed');
});

test('RFC 6819 §5.2.2.3 / RFC 9700 §4.14.2: the family expires absolute_ttl after the login, however often it is used', async (t) => {
  const tg = await start(t, { idle_ttl: 100, absolute_ttl: 250 });
  let token = (await login(tg)).refresh_token;
  for (const step of [90, 90, 69]) {
    tg.advance(step);
    token = (await refreshed(tg, token)).refresh_token!;
  }
  assert.equal((await record(tg, token)).idle_expires_at, NOW + 250, 'the idle expiry never passes the family expiry');
  tg.advance(1);
  assertInvalidGrant(await refresh(tg, token), 'absolute_ttl reached');
});

// Revocation with the user

test('RFC 9700 §4.14.2: a blocked user\'s refresh token is refused and its family revoked, for good, with its access tokens', async (t) => {
  const tg = await start(t);
  const { refresh_token: a, access_token } = await login(tg);
  const b = (await refreshed(tg, a)).refresh_token!;
  const user = (await tg.store.users.getUser((await record(tg, b)).user_id))!;
  await tg.store.users.updateUser({ ...user, blocked: true }, NOW);
  assertInvalidGrant(await refresh(tg, b), 'blocked user');
  assert.equal((await record(tg, b)).revoked_at, NOW);
  assert.equal(await userinfoStatus(tg, access_token), 401, 'RFC 7009 §2.1: the family\'s access tokens too');
  await tg.store.users.updateUser({ ...user, blocked: false }, NOW);
  assertInvalidGrant(await refresh(tg, b), 'unblocking does not bring the family back');
});

test('RFC 9700 §4.14.2: a refresh token of a user who no longer exists is refused and its family revoked', async (t) => {
  const tg = await start(t);
  const { refresh_token } = await login(tg);
  const row = await record(tg, refresh_token);
  // No store operation deletes users: plant the same family bound to an id that matches no user.
  const ghost = `ghost.${'B'.repeat(43)}`;
  await tg.store.refreshFamilies.createRefreshFamily({ ...row, selector: 'ghost', token_hashes: [tokenHash(ghost)], family_id: 'ghost-family', user_id: 'no-such-user' });
  assertInvalidGrant(await refresh(tg, ghost), 'deleted user');
  assert.equal((await record(tg, ghost)).revoked_at, NOW);
  await refreshed(tg, refresh_token);
});

/** The configuration the test server was started with, parsed, with `change` applied to it. */
function configWith(policy: RefreshPolicy, change: (c: ConfigInput) => void) {
  const input = baseConfig();
  refreshable(input, policy);
  change(input);
  return parseConfig(input, 'test', {});
}

const alice = (c: ConfigInput) => c.users!.find((u) => u.connection === 'customers' && u.username === 'alice')!;

test('RFC 9700 §4.14.2: blocking a user in the configuration revokes their refresh tokens, and their access tokens, at the next sync', async (t) => {
  const tg = await start(t);
  const { refresh_token, access_token } = await login(tg);
  const mobile = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: PASSWORD, scope: 'offline_access' });
  await syncConfig(tg.store, configWith({}, (c) => { alice(c).blocked = true; }), tg.hasher, NOW + 5);
  for (const token of [refresh_token, mobile.body.refresh_token as string]) {
    assert.equal((await record(tg, token)).revoked_at, NOW + 5, 'revoked at the sync, on every client');
  }
  assertInvalidGrant(await refresh(tg, refresh_token), 'blocked in config');
  assert.equal(await userinfoStatus(tg, access_token), 401, 'RFC 7009 §2.1: the families\' access tokens too');
});

test('RFC 9700 §4.14.2: a password change through the configuration revokes the user\'s refresh tokens; an unchanged password does not', async (t) => {
  const tg = await start(t);
  const { refresh_token: kept } = await login(tg);
  const employee = await tg.token({ grant_type: REALM_GRANT, realm: 'employees', username: 'alice', password: 'employee-password', scope: 'offline_access' }, { basic: webClient });
  assert.equal(employee.status, 200, JSON.stringify(employee.body));

  await syncConfig(tg.store, configWith({}, () => {}), tg.hasher, NOW + 1);
  assert.equal((await record(tg, kept)).revoked_at, null, 'a restart with the same password revokes nothing');

  await syncConfig(tg.store, configWith({}, (c) => { alice(c).password = 'A-new-Passw0rd'; }), tg.hasher, NOW + 2);
  assert.equal((await record(tg, kept)).revoked_at, NOW + 2);
  assertInvalidGrant(await refresh(tg, kept), 'after a password change');
  assert.equal((await record(tg, employee.body.refresh_token)).revoked_at, null, 'another user (same name, other connection) keeps theirs');
  const relogin = await tg.token({ ...aliceLogin, password: 'A-new-Passw0rd', scope: 'offline_access' }, { basic: webClient });
  assert.equal(relogin.status, 200, 'the new password works');
});

test('RFC 9700 §4.14.2 (a MAY): tokens.revoke_refresh_on_password_change: false keeps refresh tokens across a password change', async (t) => {
  const keep = (c: ConfigInput) => { c.tokens = { revoke_refresh_on_password_change: false }; };
  const tg = await start(t, {}, keep);
  const { refresh_token } = await login(tg);
  await syncConfig(tg.store, configWith({}, (c) => { keep(c); alice(c).password = 'A-new-Passw0rd'; }), tg.hasher, NOW + 2);
  assert.equal((await record(tg, refresh_token)).revoked_at, null);
  await refreshed(tg, refresh_token);
  // Blocking still revokes, whatever the password setting.
  const next = await login(tg, { password: 'A-new-Passw0rd' });
  await syncConfig(tg.store, configWith({}, (c) => { keep(c); alice(c).password = 'A-new-Passw0rd'; alice(c).blocked = true; }), tg.hasher, NOW + 3);
  assert.equal((await record(tg, next.refresh_token)).revoked_at, NOW + 3);
});

// Housekeeping

test('RFC 6819 §5.2.2.3: a purge keeps live families with what reuse detection needs, so reuse is still detected after it; revoked families go', async (t) => {
  const tg = await start(t);
  const { refresh_token: a } = await login(tg);
  const b = (await refreshed(tg, a)).refresh_token!;
  assert.equal(await tg.store.purge(NOW), 0, 'nothing to purge: the family is live');
  assert.equal((await found(tg, a)).presented, 'previous', 'the consumed token is still known');

  tg.advance(1);
  assertInvalidGrant(await refresh(tg, a), 'reuse after a purge');
  assertInvalidGrant(await refresh(tg, b), 'the family is revoked');
  assert.equal(await tg.store.purge(NOW + 1), 1, 'the revoked family goes: one record');
  assert.equal(await stored(tg, a), false);
  assert.equal(await stored(tg, b), false);
  assertInvalidGrant(await refresh(tg, b), 'a purged token stays refused');
  assert.equal(await tg.store.purge(NOW + 1), 0);
});

test('RFC 9700 §4.14.2: a purge deletes idle-expired and expired families', async (t) => {
  const tg = await start(t, { idle_ttl: 50, absolute_ttl: 100 });
  const rotated = await login(tg);
  tg.advance(10);
  const successor = (await refreshed(tg, rotated.refresh_token)).refresh_token!; // idle until 60, family until 100
  const untouched = await login(tg); // idle until 60, family until 110
  tg.advance(45);
  const kept = (await refreshed(tg, successor)).refresh_token!; // idle until 100 (the family's end)
  tg.advance(4);
  assert.equal(await tg.store.purge(NOW + 59), 0, 'nothing has expired yet');
  tg.advance(1);
  assert.equal(await tg.store.purge(NOW + 60), 1, 'the idle-expired family');
  assert.equal(await stored(tg, untouched.refresh_token), false);
  assert.equal((await found(tg, kept)).presented, 'live', 'the family used in time stays');
  tg.advance(40);
  assert.equal(await tg.store.purge(NOW + 100), 1, 'its absolute expiry');
  assert.equal(await stored(tg, kept), false);
  assert.equal(await tg.store.purge(NOW + 100), 0);
});

test('RFC 9700 §4.14: under steady login and refresh load, purges keep the refresh token table bounded: one record per live family, however often it rotates', async (t) => {
  const absolute = 60;
  const tg = await start(t, { absolute_ttl: absolute, idle_ttl: absolute });
  let now = NOW;
  const batches = 4;
  const perBatch = 50;
  const firstBatch: string[] = [];
  for (let batch = 0; batch < batches; batch++) {
    for (let i = 0; i < perBatch; i++) {
      const { refresh_token } = await login(tg);
      let token = refresh_token;
      for (let rotation = 0; rotation < 3; rotation++) token = (await refreshed(tg, token)).refresh_token!;
      if (batch === 0) firstBatch.push(refresh_token, token);
    }
    assert.equal(await tg.store.purge(now), 0, 'live families are kept');
    tg.advance(absolute);
    now += absolute;
    // One record per family, whatever its rotations, and nothing else was left over.
    assert.equal(await tg.store.purge(now), perBatch, `batch ${batch}: the expired families are purged, one record each`);
    assert.equal(await tg.store.purge(now), 0);
  }
  for (const token of firstBatch) assert.equal(await stored(tg, token), false);
});
