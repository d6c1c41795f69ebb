/**
 * Prometheus metrics through real scrapes of the metrics listener: what each counter counts after real requests, the
 * public listener not serving them, and no label value carrying a username, an IP, a client id, a secret or a token.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, PASSWORD, SECRET, start } from '../helpers/tollgate.ts';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** Prometheus' text format (0.0.4): one sample per line, `name{label="value",...} value`. */
function parseScrape(text: string): Sample[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    return { name: match[1]!, labels, value: Number(match[3]) };
  });
}

function sampled(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.length === 0 ? undefined : found.reduce((sum, s) => sum + s.value, 0);
}

const ATTACKER_IP = '198.51.100.77';
const UNKNOWN_USER = 'eve-not-a-user@example.org';
const WRONG_PASSWORD = 'Wr0ng-Pa55word-xyz';

test('metrics: a real scrape counts logins by outcome, token requests, durations, verifications, store calls, blocks and refresh reuse; no label carries a username, IP, client id, secret or token', async (t) => {
  const tg = await start(t, (c) => {
    c.metrics = { enabled: true, port: 0 };
    c.attack_protection = { brute_force: { threshold: 2 } };
    const web = c.clients!.find((client) => client.client_id === 'web')!;
    web.grant_types = [...web.grant_types!, 'refresh_token'];
  });
  assert.equal(tg.listeners.length, 1);
  assert.match(tg.listeners[0]!, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const web: [string, string] = ['web', SECRET];
  const login = (username: string, password: string) => tg.token({ grant_type: 'password', username, password, audience: API, scope: 'offline_access' },
    { basic: web, remoteAddress: ATTACKER_IP });

  const ok = await login('alice', PASSWORD);
  assert.equal(ok.status, 200);
  assert.equal((await login(UNKNOWN_USER, WRONG_PASSWORD)).status, 400);
  assert.equal((await login('mallory', PASSWORD)).status, 400, 'mallory is blocked');
  // Employees' alice: two wrong passwords reach the brute-force threshold, the third attempt is refused.
  const employee = (password: string) => tg.token({ grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', username: 'alice', password },
    { basic: web, remoteAddress: ATTACKER_IP });
  assert.equal((await employee(WRONG_PASSWORD)).status, 400);
  assert.equal((await employee(WRONG_PASSWORD)).status, 400);
  assert.equal((await employee('employee-password')).status, 429);
  // A refresh token used twice: the second use is reuse.
  const refresh = ok.body.refresh_token as string;
  assert.equal((await tg.token({ grant_type: 'refresh_token', refresh_token: refresh }, { basic: web })).status, 200);
  // Later than the rotation (within the same second it would be a lost race, not reuse).
  tg.advance(5);
  assert.equal((await tg.token({ grant_type: 'refresh_token', refresh_token: refresh }, { basic: web })).status, 400);
  assert.equal((await tg.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'the public listener has no /metrics');

  const response = await fetch(tg.listeners[0]!);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const samples = parseScrape(text);
  // Label values: none is, or contains, anything a request supplied or a credential.
  const forbidden = ['alice', 'mallory', UNKNOWN_USER, ATTACKER_IP, '127.0.0.1', 'web', SECRET, PASSWORD, WRONG_PASSWORD, refresh, ok.body.access_token as string];
  const values = new Set(samples.filter((s) => s.name.startsWith('tollgate_')).flatMap((s) => Object.values(s.labels)));
  for (const value of values) {
    for (const secret of forbidden) assert.ok(value !== secret && !value.includes(secret), `label value "${value}" carries "${secret}"`);
  }
  const logins = (grant: string, connection: string, outcome: string) => sampled(samples, 'tollgate_logins_total', { grant, connection, outcome });
  assert.equal(logins('password', 'customers', 'success'), 1);
  assert.equal(sampled(samples, 'tollgate_logins_total', { outcome: 'unknown_user' }), 1);
  assert.equal(logins('password', 'customers', 'blocked'), 1, 'a blocked user');
  const realm = 'http://auth0.com/oauth/grant-type/password-realm';
  assert.equal(logins(realm, 'employees', 'wrong_password'), 2);
  assert.equal(logins(realm, 'employees', 'blocked'), 1, 'refused by the brute-force block');
  assert.equal(sampled(samples, 'tollgate_brute_force_blocks_total'), 1);
  assert.equal(sampled(samples, 'tollgate_refresh_reuse_detected_total'), 1);
  assert.equal(sampled(samples, 'tollgate_token_requests_total', { grant: 'password', status: '200' }), 1);
  assert.equal(sampled(samples, 'tollgate_token_requests_total', { grant: 'password', status: '400' }), 2);
  assert.equal(sampled(samples, 'tollgate_token_requests_total', { grant: realm, status: '429' }), 1);
  assert.equal(sampled(samples, 'tollgate_token_requests_total', { grant: 'refresh_token' }), 2);
  assert.equal(sampled(samples, 'tollgate_http_request_duration_seconds_count', { route: '/oauth/token', method: 'POST', status: '200' }), 2);
  assert.ok(sampled(samples, 'tollgate_password_verification_seconds_count')! >= 5, 'each login verified a password (or the decoy)');
  assert.equal(sampled(samples, 'tollgate_password_verifications_in_flight'), 0);
  assert.ok(sampled(samples, 'tollgate_store_query_seconds_count', { operation: 'attempts.addLoginFailure' })! >= 2);
  assert.equal(sampled(samples, 'tollgate_dependency_up', { dependency: 'store' }), 1);
  assert.ok(sampled(samples, 'tollgate_signing_key_age_seconds', { alg: 'RS256' })! >= 0);
  assert.equal(sampled(samples, 'tollgate_audit_events_dropped_total'), 0);
  for (const standard of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes']) {
    assert.ok(sampled(samples, standard) !== undefined, `${standard} (prom-client's default metrics)`);
  }

});

test('metrics: off by default (no listener); the listener answers 404 off /metrics and 405 to POST', async (t) => {
  const off = await start(t);
  assert.deepEqual(off.listeners, []);
  const on = await start(t, (c) => { c.metrics = { enabled: true, port: 0 }; });
  const base = on.listeners[0]!.replace(/\/metrics$/, '');
  assert.equal((await fetch(`${base}/other`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});
