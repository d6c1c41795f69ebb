/**
 * Attack protection at the token endpoint (RFC 6749 §4.3.2: the server MUST protect the endpoint against
 * brute force): brute-force blocks, suspicious IP throttling, the request rate limit, the client IP
 * behind proxies and trusted servers, audit events, and equal cost. Black-box over HTTP, one server per test.
 */
import pino from 'pino';
import { AuditLog } from '../../src/events/audit.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { ConfigInput } from '../../src/config/schema.ts';
import { parseConfig } from '../../src/config/load.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { AuditEvent, EventType } from '../../src/model/events.ts';
import {
  NOW, PASSWORD, REALM_GRANT, SECRET, aliceLogin, baseConfig, basicAuth, start, startTollgate, verificationsSpentBy, webClient,
  type Res, type TestTollgate, type TokenOptions,
} from '../helpers/tollgate.ts';

const WRONG = 'wrong-Pa55word-for-guessing';
const BLOCKED = { error: 'too_many_attempts', error_description: 'Your account has been blocked after multiple consecutive login attempts.' };
const THROTTLED_DESCRIPTION = 'We have detected suspicious login behavior and further attempts will be blocked. Please contact the administrator.';
/** The socket address light-my-request reports when a test names none. */
const LOCAL = '127.0.0.1';
const BACKEND_SECRET = 'backend-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

type AttackProtection = NonNullable<ConfigInput['attack_protection']>;

/** A configuration change that sets attack_protection (and, optionally, more). */
function protect(protection: AttackProtection, more: (c: ConfigInput) => void = () => {}): (c: ConfigInput) => void {
  return (c) => {
    c.attack_protection = protection;
    more(c);
  };
}

const threshold = (n: number, more: Partial<NonNullable<AttackProtection['brute_force']>> = {}) => protect({ brute_force: { threshold: n, ...more } });

/** The password grant through the Basic client: alice with the right password unless `params` say otherwise. */
function login(tg: TestTollgate, params: Record<string, string> = {}, opts: TokenOptions = {}): Promise<Res> {
  return tg.token({ ...aliceLogin, ...params }, { basic: webClient, ...opts });
}

/** `times` wrong passwords (or failed logins as `params` say), each a plain invalid_grant. */
async function fail(tg: TestTollgate, times: number, params: Record<string, string> = {}, opts: TokenOptions = {}): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await login(tg, { password: WRONG, ...params }, opts);
    assert.equal(res.status, 400, `failure ${i + 1}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error, 'invalid_grant');
  }
}

function assertOk(res: Res, what = 'login'): void {
  assert.equal(res.status, 200, `${what}: ${JSON.stringify(res.body)}`);
}

/** RFC 6585 §4 429 with the brute-force body, never cached (RFC 6749 §5.1). */
function assertBlocked(res: Res, what = 'login'): void {
  assert.equal(res.status, 429, `${what}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(res.body, BLOCKED, what);
  assert.equal(res.headers['cache-control'], 'no-store', what);
  assert.equal(res.headers.pragma, 'no-cache', what);
}

/** One request and the verifications it spent. */
async function measured(tg: TestTollgate, request: () => Promise<Res>): Promise<[Res, number]> {
  let res: Res | undefined;
  const spent = await verificationsSpentBy(tg, async () => { res = await request(); });
  return [res!, spent];
}

async function eventsOf(tg: TestTollgate, type: EventType): Promise<AuditEvent[]> {
  return tg.store.events.listEvents({ type, limit: 1000 });
}

/** The IP the last login was counted under, as its audit event (the newest) records it. */
async function lastCountedIp(tg: TestTollgate): Promise<string | null | undefined> {
  const [event] = await tg.store.events.listEvents({ limit: 1 });
  assert.match(event?.type ?? '', /^login\./);
  return event?.ip;
}

// ---- Brute force (per connection, username and IP) ----

test('RFC 6749 §4.3.2 brute force: after threshold consecutive wrong passwords from one IP, even the right password answers 429 too_many_attempts', async (t) => {
  const tg = await start(t, threshold(3));
  for (let i = 0; i < 3; i++) {
    const [res, spent] = await measured(tg, () => login(tg, { password: WRONG }));
    assert.equal(res.status, 400, `failure ${i + 1} is still an invalid_grant: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error_description, 'Wrong username or password.');
    assert.equal(spent, 1, `failure ${i + 1} spends exactly one verification`);
  }
  const [right, rightSpent] = await measured(tg, () => login(tg));
  assertBlocked(right, 'the right password');
  assert.equal(rightSpent, 0, 'the block is checked before the password: no hash spent');
  const [wrong, wrongSpent] = await measured(tg, () => login(tg, { password: WRONG }));
  assertBlocked(wrong, 'another wrong password');
  assert.equal(wrongSpent, 0);
  const [block] = await tg.store.attempts.listLoginBlocks({}, NOW);
  assert.deepEqual({ ...block }, {
    connection: 'customers', username: 'alice', ip: LOCAL, failures: 3, blocked_at: NOW, block_expires_at: null, last_failure_at: NOW,
  }, 'refused attempts are not counted as failures');
});

test('brute force per_account_and_ip (the default): the block holds only for the offending IP', async (t) => {
  const tg = await start(t, threshold(3));
  await fail(tg, 3, {}, { remoteAddress: '198.51.100.66' });
  assertBlocked(await login(tg, {}, { remoteAddress: '198.51.100.66' }), 'the attacking IP');
  assertOk(await login(tg, {}, { remoteAddress: '198.51.100.7' }), 'another IP');
  assertOk(await login(tg), 'the socket default, yet another IP');
  // The other IPs keep counters of their own.
  await fail(tg, 2, {}, { remoteAddress: '198.51.100.7' });
  assertOk(await login(tg, {}, { remoteAddress: '198.51.100.7' }));
});

test('brute force per_account: threshold failures from any IPs lock the account for every IP', async (t) => {
  const tg = await start(t, threshold(3, { mode: 'per_account' }));
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) await fail(tg, 1, {}, { remoteAddress: ip });
  for (const ip of ['198.51.100.1', '203.0.113.50', LOCAL]) assertBlocked(await login(tg, {}, { remoteAddress: ip }), ip);
  const blocks = await tg.store.attempts.listLoginBlocks({}, NOW);
  assert.deepEqual(blocks.map((b) => [b.username, b.ip, b.failures]), [['alice', '*', 3]]);
});

test('brute force: a success before the threshold resets the counter (consecutive failures only)', async (t) => {
  const tg = await start(t, threshold(3));
  await fail(tg, 2);
  assertOk(await login(tg));
  await fail(tg, 2);
  assertOk(await login(tg), 'threshold-1 failures, a success, threshold-1 failures: not blocked');
  await fail(tg, 3);
  assertBlocked(await login(tg), 'three in a row do block');
});

test('brute force block_ttl: the block lapses by itself, and counting starts again from zero', async (t) => {
  const tg = await start(t, threshold(3, { block_ttl: 60 }));
  await fail(tg, 3);
  const [block] = await tg.store.attempts.listLoginBlocks({}, NOW);
  assert.equal(block?.block_expires_at, NOW + 60);
  tg.advance(59);
  assertBlocked(await login(tg), 'one second before the block lapses');
  tg.advance(1);
  await fail(tg, 2);
  assertOk(await login(tg), 'two failures after the lapse do not block again');
});

test('brute force: unknown usernames are counted the same way and get the same 429, so probing reveals nothing', async (t) => {
  const tg = await start(t, threshold(3));
  await fail(tg, 3, { username: 'nobody' });
  const [res, spent] = await measured(tg, () => login(tg, { username: 'nobody' }));
  assertBlocked(res, 'the unknown user');
  assert.equal(spent, 0);
  assertBlocked(await login(tg, { username: 'NoBody' }), 'usernames are compared case-insensitively');
  assertOk(await login(tg), 'alice has her own counter');
  const blocks = await tg.store.attempts.listLoginBlocks({}, NOW);
  assert.deepEqual(blocks.map((b) => [b.connection, b.username, b.ip]), [['customers', 'nobody', LOCAL]]);
  assert.equal((await eventsOf(tg, 'login.unknown_user')).length, 3);
});

test('brute force: logging in by email and by username share one counter', async (t) => {
  const tg = await start(t, threshold(3));
  await fail(tg, 1, { username: 'alice' });
  await fail(tg, 1, { username: 'ALICE@example.com' });
  await fail(tg, 1, { username: 'Alice' });
  assertBlocked(await login(tg, { username: 'alice@example.com' }), 'by email');
  assertBlocked(await login(tg, { username: 'alice' }), 'by username');
  const blocks = await tg.store.attempts.listLoginBlocks({}, NOW);
  assert.deepEqual(blocks.map((b) => [b.username, b.failures]), [['alice', 3]]);
});

test('brute force: the password-realm grant is protected too, and the counter is per connection', async (t) => {
  const tg = await start(t, threshold(3));
  const realm = (realmName: string, password: string, opts: TokenOptions = {}) =>
    tg.token({ grant_type: REALM_GRANT, realm: realmName, username: 'alice', password }, { basic: webClient, ...opts });
  for (let i = 0; i < 2; i++) assert.equal((await realm('customers', WRONG)).status, 400);
  await fail(tg, 1);
  assertBlocked(await realm('customers', PASSWORD), 'password-realm, customers');
  assertBlocked(await login(tg), 'password grant, same connection');
  assertBlocked(await tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: PASSWORD }), 'a public client');
  assertOk(await realm('employees', 'employee-password'), 'alice of another connection is another account');
});

test('attack protection switched off (enabled: false): no block, no throttling, no rate limit, nothing counted', async (t) => {
  const tg = await start(t, protect({
    brute_force: { enabled: false, threshold: 1 }, ip_throttling: { enabled: false, max_attempts: 1 }, rate_limit: { enabled: false, burst: 1 },
  }));
  await fail(tg, 5);
  await fail(tg, 5, { username: 'nobody' });
  assertOk(await login(tg));
  assert.deepEqual(await tg.store.attempts.listLoginBlocks({}, NOW), []);
  assert.equal((await eventsOf(tg, 'login.wrong_password')).length, 5, 'events are still recorded');
});

// ---- Concurrency ----

test('brute force under concurrency: 50 parallel wrong passwords (threshold 10) end in exactly one block, announced once', async (t) => {
  const tg = await start(t, threshold(10));
  const results = await Promise.all(Array.from({ length: 50 }, () => login(tg, { password: WRONG })));
  const statuses = results.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 400 || s === 429), `only invalid_grant or the block: ${statuses.join(',')}`);
  const counted = statuses.filter((s) => s === 400).length;
  assert.equal(counted, 10, 'exactly the threshold was verified and counted');
  assert.equal((await eventsOf(tg, 'brute_force.blocked')).length, 1, 'exactly one brute_force.blocked event');
  const blocks = await tg.store.attempts.listLoginBlocks({}, NOW);
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0]?.failures, counted, 'every counted failure is in the counter, none lost');
  assertBlocked(await login(tg), 'the next request');
});

test('brute force under concurrency: 30 parallel valid logins after 9 failures (threshold 10) are never refused', async (t) => {
  const tg = await start(t, threshold(10));
  await fail(tg, 9);
  const results = await Promise.all(Array.from({ length: 30 }, () => login(tg)));
  assert.deepEqual(results.map((r) => r.status), Array(30).fill(200));
  assert.equal(await tg.store.attempts.getLoginFailures({ connection: 'customers', username: 'alice', ip: LOCAL }, NOW), undefined, 'the counter was reset');
  assert.equal((await eventsOf(tg, 'login.success')).length, 30);
  assert.equal((await eventsOf(tg, 'login.refused')).length, 0);
});

// ---- Suspicious IP throttling ----

test('suspicious IP throttling: max_attempts failures across accounts from one IP, then 429 too_many_attempts with Retry-After; refills at per_day', async (t) => {
  const tg = await start(t, protect({ ip_throttling: { max_attempts: 5, per_day: 100 } }));
  const attacker = { remoteAddress: '203.0.113.66' };
  for (let i = 0; i < 5; i++) await fail(tg, 1, { username: `user${i}` }, attacker);
  const [res, spent] = await measured(tg, () => login(tg, {}, attacker));
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.deepEqual(res.body, { error: 'too_many_attempts', error_description: THROTTLED_DESCRIPTION });
  assert.equal(res.headers['retry-after'], '864', 'one attempt comes back every 86400/100 seconds');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(spent, 0, 'throttling is checked before the password');
  assertOk(await login(tg, {}, { remoteAddress: '203.0.113.67' }), 'another IP');
  const [event] = await eventsOf(tg, 'ip.throttled');
  assert.equal(event?.ip, '203.0.113.66');
  assert.equal(event?.reason, 'suspicious_ip');

  tg.advance(863);
  const early = await login(tg, {}, attacker);
  assert.equal(early.status, 429, 'one second early');
  assert.equal(early.headers['retry-after'], '1');
  tg.advance(1);
  assertOk(await login(tg, {}, attacker), 'after Retry-After seconds');
  assertOk(await login(tg, {}, attacker), 'successes do not consume attempts');
  await fail(tg, 1, { username: 'user9' }, attacker);
  assert.equal((await login(tg, {}, attacker)).status, 429, 'the refilled attempt was spent by a failure');
});

test('suspicious IP throttling: allowlisted IPs and CIDR ranges are exempt (IPv4-mapped IPv6 too)', async (t) => {
  const tg = await start(t, protect({ ip_throttling: { max_attempts: 3, per_day: 100 }, allowlist: ['10.0.0.0/8', '2001:db8::/32'] }));
  for (const remoteAddress of ['10.1.2.3', '::ffff:10.9.9.9', '2001:db8::7']) {
    for (let i = 0; i < 6; i++) await fail(tg, 1, { username: `user${i}` }, { remoteAddress });
    assertOk(await login(tg, {}, { remoteAddress }), remoteAddress);
  }
  assert.equal((await eventsOf(tg, 'ip.throttled')).length, 0);
  // Outside the allowlist the same pattern is throttled.
  for (let i = 0; i < 3; i++) await fail(tg, 1, { username: `user${i}` }, { remoteAddress: '11.0.0.1' });
  assert.equal((await login(tg, {}, { remoteAddress: '11.0.0.1' })).status, 429);
});

// ---- Request rate limit ----

test('rate limit (RFC 6585 §4): beyond the burst at one instant, 429 too_many_requests with Retry-After; one ip.rate_limited event per run-dry', async (t) => {
  const tg = await start(t, protect({ rate_limit: { requests_per_second: 1, burst: 3 }, allowlist: ['192.0.2.0/24'] }));
  const client = { remoteAddress: '198.51.100.1' };
  for (let i = 0; i < 3; i++) assertOk(await login(tg, {}, client), `request ${i + 1}`);
  for (let i = 0; i < 3; i++) {
    const [res, spent] = await measured(tg, () => login(tg, {}, client));
    assert.equal(res.status, 429, JSON.stringify(res.body));
    assert.equal(res.body.error, 'too_many_requests');
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(spent, 0);
  }
  assertOk(await login(tg, {}, { remoteAddress: '198.51.100.2' }), 'another IP is unaffected');
  for (let i = 0; i < 6; i++) assertOk(await login(tg, {}, { remoteAddress: '192.0.2.10' }), `allowlisted request ${i + 1}`);
  const limited = await eventsOf(tg, 'ip.rate_limited');
  assert.deepEqual(limited.map((e) => [e.ip, e.reason]), [['198.51.100.1', 'rate_limit']], 'three refusals, one event');

  tg.advance(1);
  assertOk(await login(tg, {}, client), 'one request per second comes back');
  assert.equal((await login(tg, {}, client)).status, 429);
  assert.equal((await eventsOf(tg, 'ip.rate_limited')).length, 2, 'running dry again is a new event');
});

// ---- Client IP ----

test('client IP: without trusted_proxies, X-Forwarded-For and Forwarded are ignored and the socket address is counted', async (t) => {
  const tg = await start(t);
  await fail(tg, 1, {}, { remoteAddress: '198.51.100.1', headers: { 'x-forwarded-for': '203.0.113.5', forwarded: 'for=203.0.113.6' } });
  assert.equal(await lastCountedIp(tg), '198.51.100.1');
});

test('client IP (RFC 7239, X-Forwarded-For): behind trusted proxies, the right-most untrusted hop is the client', async (t) => {
  const tg = await start(t, protect({ brute_force: { threshold: 3 } }, (c) => { c.trusted_proxies = ['10.0.0.0/8', '2001:db8:ffff::1']; }));
  const viaProxy = (headers: Record<string, string>, remoteAddress = '10.0.0.1'): TokenOptions => ({ remoteAddress, headers });
  const cases: [string, TokenOptions, string][] = [
    ['X-Forwarded-For: a spoofed left-most entry is skipped', viaProxy({ 'x-forwarded-for': '203.0.113.9, 198.51.100.3, 10.0.0.2' }), '198.51.100.3'],
    ['Forwarded: for= with other parameters', viaProxy({ forwarded: 'for=192.0.2.60;proto=https;by=10.0.0.1' }), '192.0.2.60'],
    ['Forwarded: quoted IPv4 with a port', viaProxy({ forwarded: 'for="192.0.2.43:8080"' }), '192.0.2.43'],
    ['Forwarded: quoted, bracketed IPv6 with a port', viaProxy({ forwarded: 'for=198.51.100.99, for="[2001:db8:cafe::17]:4711"' }), '2001:db8:cafe::17'],
    ['Forwarded wins over X-Forwarded-For', viaProxy({ forwarded: 'for=192.0.2.61', 'x-forwarded-for': '192.0.2.62' }), '192.0.2.61'],
    ['a hop that is not an IP ends the walk at the last trusted address', viaProxy({ 'x-forwarded-for': '198.51.100.3, unknown' }), '10.0.0.1'],
    ['Forwarded: for=unknown ends the walk too', viaProxy({ forwarded: 'for=198.51.100.3, for=unknown' }), '10.0.0.1'],
    ['an IPv4-mapped socket address of a trusted proxy', viaProxy({ 'x-forwarded-for': '198.51.100.4' }, '::ffff:10.0.0.1'), '198.51.100.4'],
    ['a trusted IPv6 proxy', viaProxy({ 'x-forwarded-for': '198.51.100.5' }, '2001:db8:ffff::1'), '198.51.100.5'],
    ['an untrusted socket: headers ignored', viaProxy({ 'x-forwarded-for': '198.51.100.3' }, '198.51.100.200'), '198.51.100.200'],
  ];
  for (const [name, opts, expected] of cases) {
    await fail(tg, 1, { username: `probe-${expected}` }, opts);
    assert.equal(await lastCountedIp(tg), expected, name);
  }
  // Blocks follow the client IP, so two users behind one proxy are independent.
  const behind = (ip: string) => viaProxy({ 'x-forwarded-for': ip });
  await fail(tg, 3, {}, behind('203.0.113.1'));
  assertBlocked(await login(tg, {}, behind('203.0.113.1')));
  assertOk(await login(tg, {}, behind('203.0.113.2')), 'another client behind the same proxy');
});

// ---- tollgate-forwarded-for ----

/** A server-side app calling on its users' behalf, trusted to name their IPs. */
function withBackend(c: ConfigInput): void {
  c.clients!.push({ client_id: 'backend', client_secret: BACKEND_SECRET, grant_types: ['password', REALM_GRANT], trust_forwarded_for: true });
}

test('tollgate-forwarded-for / auth0-forwarded-for: honoured for a confidential client with trust_forwarded_for, so users behind one server IP are independent', async (t) => {
  const tg = await start(t, protect({ brute_force: { threshold: 3 } }, withBackend));
  const backend = (endUser: string | undefined, params: Record<string, string> = {}, header = 'tollgate-forwarded-for') =>
    tg.token({ ...aliceLogin, ...params }, {
      basic: ['backend', BACKEND_SECRET], remoteAddress: '198.51.100.10', headers: endUser === undefined ? {} : { [header]: endUser },
    });
  for (let i = 0; i < 3; i++) assert.equal((await backend('203.0.113.1', { password: WRONG })).status, 400);
  assert.equal(await lastCountedIp(tg), '203.0.113.1', 'counted under the end user’s IP');
  assertBlocked(await backend('203.0.113.1'), 'the attacking end user');
  assertBlocked(await backend('203.0.113.1', {}, 'auth0-forwarded-for'), 'auth0-forwarded-for names the same end user');
  assertBlocked(await backend('::ffff:203.0.113.1'), 'an IPv4-mapped spelling of the same IP');
  assertOk(await backend('203.0.113.2'), 'another end user behind the same server IP');
  assertOk(await backend(undefined), 'the server’s own IP');
  assertOk(await backend('2001:db8::2', {}, 'auth0-forwarded-for'), 'an IPv6 end user');
  assert.equal((await eventsOf(tg, 'forwarded_for.ignored')).length, 0);
});

test('tollgate-forwarded-for is ignored, and a forwarded_for.ignored event stored, for an untrusted client, a public client, and a value that is not an IP', async (t) => {
  const tg = await start(t, protect({ brute_force: { threshold: 3 } }, (c) => {
    withBackend(c);
    // Even when configured to trust it, a public client cannot prove who sends the header.
    c.clients!.find((client) => client.client_id === 'mobile')!.trust_forwarded_for = true;
  }));
  const cases: { name: string; socket: string; request: (opts: TokenOptions) => Promise<Res>; header: string; value: string; client: string; reason: string }[] = [
    { name: 'client without trust_forwarded_for', socket: '198.51.100.21', request: (opts) => login(tg, { password: WRONG }, opts),
      header: 'tollgate-forwarded-for', value: '203.0.113.1', client: 'web', reason: 'client_not_trusted' },
    { name: 'public client', socket: '198.51.100.22',
      request: (opts) => tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: WRONG }, opts),
      header: 'auth0-forwarded-for', value: '203.0.113.1', client: 'mobile', reason: 'public_client' },
    { name: 'not an IP', socket: '198.51.100.23', request: (opts) => tg.token({ ...aliceLogin, password: WRONG }, { basic: ['backend', BACKEND_SECRET], ...opts }),
      header: 'tollgate-forwarded-for', value: '203.0.113.1, 203.0.113.2', client: 'backend', reason: 'not_an_ip' },
  ];
  for (const c of cases) {
    const res = await c.request({ remoteAddress: c.socket, headers: { [c.header]: c.value } });
    assert.equal(res.status, 400, `${c.name}: ${JSON.stringify(res.body)}`);
    const [ignored] = await tg.store.events.listEvents({ type: 'forwarded_for.ignored', limit: 1 });
    assert.deepEqual([ignored?.client_id, ignored?.reason, ignored?.ip, ignored?.outcome], [c.client, c.reason, c.socket, 'failure'], c.name);
    assert.equal(await lastCountedIp(tg), c.socket, `${c.name}: the network address is counted`);
  }
  assert.equal((await eventsOf(tg, 'forwarded_for.ignored')).length, 3);

  // An untrusted header cannot move an attacker out of a block.
  await fail(tg, 2, {}, { remoteAddress: '198.51.100.21' });
  assertBlocked(await login(tg, {}, { remoteAddress: '198.51.100.21', headers: { 'tollgate-forwarded-for': '203.0.113.99' } }));
});

// ---- Audit events ----

test('audit events: every login outcome stores a typed event with client, connection, username, IP, user agent, outcome and reason; none holds a secret', async (t) => {
  const tg = await start(t, protect({ brute_force: { threshold: 2 }, ip_throttling: { max_attempts: 4, per_day: 100 } }));
  const ip = '198.51.100.20';
  const agent = 'events-test/1.0';
  const as = (params: Record<string, string>) => login(tg, params, { remoteAddress: ip, headers: { 'user-agent': agent } });
  const WRONG_SECRET = 'wrong-client-secret-0123456789-never-stored';

  const ok = await as({});
  assertOk(ok);
  const sub = decodeJwt(ok.body.access_token).sub;
  assert.equal((await as({ password: WRONG })).status, 400);
  assert.equal((await as({ username: 'nobody', password: WRONG })).status, 400);
  assert.equal((await as({ username: 'mallory' })).status, 400);
  assert.equal((await as({ password: WRONG })).status, 400, 'the second failure reaches the threshold');
  assertBlocked(await as({}));
  assert.equal((await as({ username: 'nobody2', password: WRONG })).status, 400, 'the fourth failure from this IP empties its bucket');
  assert.equal((await as({ username: 'carol', password: WRONG })).status, 429, 'throttled');
  const badClient = await tg.token({ ...aliceLogin, client_id: 'post', client_secret: WRONG_SECRET }, { remoteAddress: ip, headers: { 'user-agent': agent } });
  assert.equal(badClient.body.error, 'invalid_client');
  const badGrant = await login(tg, { grant_type: 'urn:example:unsupported' }, { remoteAddress: ip, headers: { 'user-agent': agent } });
  assert.equal(badGrant.body.error, 'unsupported_grant_type');

  const events = (await tg.store.events.listEvents({ limit: 100 })).reverse();
  const base = { client_id: 'web', connection: 'customers', ip, user_agent: agent, time: NOW };
  const alice = { ...base, username: 'alice', user_id: sub };
  const expected: Partial<AuditEvent>[] = [
    { ...alice, type: 'login.success', outcome: 'success', reason: null },
    { ...alice, type: 'login.wrong_password', outcome: 'failure', reason: 'wrong_password' },
    { ...base, username: 'nobody', user_id: null, type: 'login.unknown_user', outcome: 'failure', reason: 'unknown_user' },
    { ...base, username: 'mallory', type: 'login.user_blocked', outcome: 'failure', reason: 'user_blocked' },
    { ...alice, type: 'brute_force.blocked', outcome: 'failure', reason: '2 consecutive failures' },
    { ...alice, type: 'login.wrong_password', outcome: 'failure', reason: 'wrong_password' },
    { ...alice, type: 'login.refused', outcome: 'failure', reason: 'brute_force_block' },
    { ...base, username: 'nobody2', user_id: null, type: 'login.unknown_user', outcome: 'failure', reason: 'unknown_user' },
    { ...base, username: 'carol', user_id: null, type: 'ip.throttled', outcome: 'failure', reason: 'suspicious_ip' },
    { ...base, connection: null, username: null, user_id: null, client_id: 'post', type: 'token.failure', outcome: 'failure', reason: 'invalid_client' },
    { ...base, connection: null, username: null, user_id: null, type: 'token.failure', outcome: 'failure', reason: 'unsupported_grant_type' },
  ];
  assert.deepEqual(events.map((e) => e.type), expected.map((e) => e.type));
  expected.forEach((want, i) => {
    const got = events[i]!;
    for (const [key, value] of Object.entries(want)) assert.deepEqual(got[key as keyof AuditEvent], value, `${want.type} #${i}: ${key}`);
    assert.match(got.id, /^[0-9a-f-]{36}$/);
  });
  assert.equal(events.find((e) => e.type === 'login.user_blocked')?.user_id?.length, 32, 'mallory is a known user');

  const secrets = [PASSWORD, WRONG, SECRET, WRONG_SECRET, basicAuth(...webClient).slice(6), basicAuth('post', WRONG_SECRET).slice(6), ok.body.access_token];
  for (const line of [...tg.logs, ...events.map((e) => JSON.stringify(e))]) {
    for (const secret of secrets) assert.ok(!line.includes(secret), `leaks ${secret.slice(0, 8)}…: ${line.slice(0, 200)}`);
  }
  assert.ok(tg.logs.some((line) => line.includes('"type":"brute_force.blocked"')), 'events are logged as well as stored');
});

// ---- Operations: password change, restart ----

test('a password change (configuration sync, no restart) clears the account’s blocks from every IP', async (t) => {
  const modify = threshold(3);
  const tg = await start(t, modify);
  await fail(tg, 3);
  await fail(tg, 3, {}, { remoteAddress: '198.51.100.1' });
  await fail(tg, 3, { username: 'nobody' });
  assert.equal((await tg.store.attempts.listLoginBlocks({}, NOW)).length, 3);

  const configWith = (alicePassword: string) => {
    const input = baseConfig();
    modify(input);
    input.users!.find((u) => u.username === 'alice' && u.connection === 'customers')!.password = alicePassword;
    return parseConfig(input, 'test', {});
  };
  await syncConfig(tg.store, configWith(PASSWORD), tg.hasher, NOW);
  assert.equal((await tg.store.attempts.listLoginBlocks({}, NOW)).length, 3, 'the same password: blocks stay');
  assertBlocked(await login(tg));

  await syncConfig(tg.store, configWith('a-New-passw0rd'), tg.hasher, NOW, new AuditLog({ store: tg.store.events, log: pino({ enabled: false }), now: () => NOW }));
  const unblocked = await tg.store.events.listEvents({ type: 'brute_force.unblocked', limit: 10 });
  assert.deepEqual(unblocked.map((e) => [e.username, e.reason]), [['alice', 'password_change']], 'the unblocking is an audit event');
  const left = await tg.store.attempts.listLoginBlocks({}, NOW);
  assert.deepEqual(left.map((b) => b.username), ['nobody'], 'only alice’s blocks went');
  assertOk(await login(tg, { password: 'a-New-passw0rd' }), 'from the formerly blocked IP');
  assertOk(await login(tg, { password: 'a-New-passw0rd' }, { remoteAddress: '198.51.100.1' }));
});

test('state lives in the store: a block and its events survive a restart (file-backed SQLite)', async (t) => {
  const storage = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-protection-')), 'db.sqlite')}`;
  const modify = protect({ brute_force: { threshold: 3 }, ip_throttling: { max_attempts: 5, per_day: 100 } }, (c) => { c.storage = storage; });
  const first = await startTollgate(modify);
  try {
    await fail(first, 3);
    for (let i = 0; i < 2; i++) await fail(first, 1, { username: `user${i}` });
  } finally {
    await first.close();
  }

  const second = await start(t, modify);
  const [res, spent] = await measured(second, () => login(second));
  assertBlocked(res, 'after the restart');
  assert.equal(spent, 0);
  assert.equal((await eventsOf(second, 'brute_force.blocked')).length, 1);
  // Five failures filled the IP's bucket before the restart: the next one is refused, not counted again.
  assert.equal((await login(second, { username: 'carol' })).status, 429);
  assert.equal((await eventsOf(second, 'ip.throttled')).length, 1);
});

// ---- Equal cost ----

test('RFC 6749 §10.10 with attack protection: every failure that reaches credential checking costs exactly one verification; protection refusals cost none', async (t) => {
  const tg = await start(t, protect({ brute_force: { threshold: 3 }, ip_throttling: { max_attempts: 5, per_day: 100 }, rate_limit: { requests_per_second: 1, burst: 20 } }));
  const grants: [string, Record<string, string>][] = [['password', {}], ['password-realm', { grant_type: REALM_GRANT, realm: 'customers' }]];
  const failures: [string, Record<string, string>, string][] = [
    ['wrong password', { password: WRONG }, 'invalid_grant'],
    ['unknown user', { username: 'nobody' }, 'invalid_grant'],
    ['admin-blocked user, right password', { username: 'mallory' }, 'invalid_grant'],
    ['invalid scope', { scope: 'openid nowhere:scope' }, 'invalid_scope'],
    ['unknown audience', { audience: 'https://unknown.example.com' }, 'invalid_request'],
    ['missing username', { username: '' }, 'invalid_request'],
  ];
  for (const [g, [grant, grantParams]] of grants.entries()) {
    for (const [name, params, error] of failures) {
      const body = { ...aliceLogin, ...grantParams, ...params };
      if (body.username === '') delete (body as Partial<typeof body>).username;
      const [res, spent] = await measured(tg, () => tg.token(body, { basic: webClient, remoteAddress: `198.51.100.${g + 1}` }));
      assert.equal(res.body.error, error, `${grant}, ${name}: ${JSON.stringify(res.body)}`);
      assert.equal(spent, 1, `${grant}, ${name} spent ${spent} verifications`);
    }
  }

  const refusals: [string, string, () => Promise<void>][] = [
    ['brute-force block', '203.0.113.1', () => fail(tg, 3, {}, { remoteAddress: '203.0.113.1' })],
    ['IP throttled', '203.0.113.2', async () => { for (let i = 0; i < 5; i++) await fail(tg, 1, { username: `user${i}` }, { remoteAddress: '203.0.113.2' }); }],
    ['rate limited', '203.0.113.3', async () => {
      for (let i = 0; i < 20; i++) assert.equal((await login(tg, { grant_type: 'urn:example:unsupported' }, { remoteAddress: '203.0.113.3' })).status, 400);
    }],
  ];
  for (const [name, remoteAddress, prepare] of refusals) {
    await prepare();
    for (const [grant, grantParams] of grants) {
      for (const password of [PASSWORD, WRONG]) {
        const [res, spent] = await measured(tg, () => login(tg, { ...grantParams, password }, { remoteAddress }));
        assert.equal(res.status, 429, `${name}, ${grant}: ${JSON.stringify(res.body)}`);
        assert.equal(spent, 0, `${name}, ${grant} spent ${spent} verifications`);
      }
    }
  }
});
