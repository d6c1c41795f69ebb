/**
 * /api/v2/attack-protection/*: Auth0's attack-protection settings over HTTP, their shapes, scopes and refusals, partial
 * updates, the rule between the file and the API across restarts, and their effect on logins, on SQLite and PostgreSQL.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.ts';
import { managed, startManaged, withOps, type ManagedTollgate } from '../helpers/management.ts';
import { createDatabase, databaseUrl, dropDatabase } from '../helpers/postgres.ts';
import { aliceLogin, startTollgate, webClient, type Res } from '../helpers/tollgate.ts';

const BRUTE = '/attack-protection/brute-force-protection';
const IP = '/attack-protection/suspicious-ip-throttling';
const BREACHED = '/attack-protection/breached-password-detection';
const WRONG = 'wrong-Pa55word-for-guessing';

function assertRefused(res: Res, fields: string[]): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.errorCode, 'invalid_body');
  assert.deepEqual(res.body.fields.map((f: { field: string }) => f.field), fields, JSON.stringify(res.body));
}

/** alice's password grant from `ip`, with `password` (default: the right one). */
const login = (tg: ManagedTollgate, password = aliceLogin.password, ip = '198.51.100.7') =>
  tg.token({ ...aliceLogin, password }, { basic: webClient, remoteAddress: ip });

async function failLogins(tg: ManagedTollgate, times: number, ip?: string): Promise<void> {
  for (let i = 0; i < times; i++) assert.equal((await login(tg, WRONG, ip)).body.error, 'invalid_grant', `failure ${i + 1}`);
}

test('GET: each resource in Auth0\'s shape, from the configuration file\'s attack_protection', async (t) => {
  const tg = await startManaged(t, (c) => {
    c.attack_protection = { brute_force: { threshold: 7, mode: 'per_account' }, ip_throttling: { max_attempts: 50, per_day: 200 }, allowlist: ['10.0.0.0/8'] };
  });
  assert.deepEqual((await tg.call('GET', BRUTE)).body, { enabled: true, shields: ['block'], allowlist: [], mode: 'count_per_identifier', max_attempts: 7 });
  assert.deepEqual((await tg.call('GET', IP)).body, {
    enabled: true, shields: ['block'], allowlist: ['10.0.0.0/8'], stage: { 'pre-login': { max_attempts: 50, rate: 432_000 } },
  });
  const breached = await tg.call('GET', BREACHED);
  assert.equal(breached.headers['cache-control'], 'no-store');
  assert.deepEqual(breached.body, {
    enabled: false, shields: ['block'], admin_notification_frequency: ['immediately'], method: 'standard',
    stage: { 'pre-user-registration': { shields: ['block'] }, 'pre-change-password': { shields: ['block'] } },
  });
});

test('scopes: read:attack_protection to read, update:attack_protection to change; without them 403, without a token 401', async (t) => {
  const tg = await startManaged(t);
  const readOnly = await tg.managementToken(['read:attack_protection']);
  const other = await tg.managementToken(['read:users', 'update:users']);
  for (const path of [BRUTE, IP, BREACHED]) {
    assert.equal((await tg.call('GET', path, { token: null })).status, 401);
    const denied = await tg.call('GET', path, { token: other });
    assert.deepEqual([denied.status, denied.body.errorCode], [403, 'insufficient_scope']);
    assert.match(String(denied.headers['www-authenticate']), /scope="read:attack_protection"/);
    assert.equal((await tg.call('GET', path, { token: readOnly })).status, 200);
    const change = await tg.call('PATCH', path, { token: readOnly, body: { enabled: true } });
    assert.deepEqual([change.status, change.body.errorCode], [403, 'insufficient_scope']);
    assert.match(String(change.headers['www-authenticate']), /scope="update:attack_protection"/);
  }
});

test('PATCH: only the fields given change; the answer and every later GET show the settings in force; each change is an audit event', async (t) => {
  const tg = await startManaged(t);
  const changed = await tg.call('PATCH', BRUTE, { body: { max_attempts: 3 } });
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.body, { enabled: true, shields: ['block'], allowlist: [], mode: 'count_per_identifier_and_ip', max_attempts: 3 });
  assert.deepEqual((await tg.call('PATCH', BRUTE, { body: { mode: 'count_per_identifier', shields: ['block'], allowlist: [] } })).body.max_attempts, 3);
  assert.deepEqual((await tg.call('GET', BRUTE)).body, { enabled: true, shields: ['block'], allowlist: [], mode: 'count_per_identifier', max_attempts: 3 });

  await tg.call('PATCH', IP, { body: { stage: { 'pre-login': { rate: 1_000_000 } }, allowlist: ['203.0.113.0/24', '2001:db8::1'] } });
  assert.deepEqual((await tg.call('GET', IP)).body, {
    enabled: true, shields: ['block'], allowlist: ['203.0.113.0/24', '2001:db8::1'], stage: { 'pre-login': { max_attempts: 100, rate: 1_000_000 } },
  });
  await tg.call('PATCH', IP, { body: { enabled: false, stage: { 'pre-login': { max_attempts: 20 } } } });
  assert.deepEqual((await tg.call('GET', IP)).body.stage, { 'pre-login': { max_attempts: 20, rate: 1_000_000 } });
  assert.equal((await tg.call('GET', IP)).body.enabled, false);

  const breached = await tg.call('PATCH', BREACHED, { body: { enabled: true, stage: { 'pre-change-password': { shields: [] } }, method: 'standard', admin_notification_frequency: ['immediately'] } });
  assert.deepEqual(breached.body, {
    enabled: true, shields: ['block'], admin_notification_frequency: ['immediately'], method: 'standard',
    stage: { 'pre-user-registration': { shields: ['block'] }, 'pre-change-password': { shields: [] } },
  });
  assert.deepEqual((await tg.call('GET', BREACHED)).body, breached.body);
  assert.deepEqual((await tg.call('PATCH', BRUTE, { body: {} })).body.max_attempts, 3, 'an empty update changes nothing');

  // The fields given, in the resource's order.
  const events = (await tg.call('GET', '/logs?type=attack_protection.updated')).body as { client_id: string; reason: string; outcome: string }[];
  assert.deepEqual(events.map((e) => [e.client_id, e.outcome, e.reason]).reverse(), [
    ['ops', 'success', 'brute-force-protection: max_attempts'],
    ['ops', 'success', 'brute-force-protection: shields, allowlist, mode'],
    ['ops', 'success', 'suspicious-ip-throttling: allowlist, stage'],
    ['ops', 'success', 'suspicious-ip-throttling: enabled, stage'],
    ['ops', 'success', 'breached-password-detection: enabled, admin_notification_frequency, method, stage'],
    ['ops', 'success', 'brute-force-protection: nothing'],
  ]);
});

test('PATCH refuses, naming the field, what does not validate and what Tollgate cannot honour; a refused update changes nothing', async (t) => {
  const tg = await startManaged(t);
  const before = await Promise.all([BRUTE, IP, BREACHED].map(async (path) => (await tg.call('GET', path)).body));
  const refusals: [string, unknown, string[]][] = [
    [BRUTE, { max_attempts: 0 }, ['max_attempts']],
    [BRUTE, { max_attempts: 101 }, ['max_attempts']],
    [BRUTE, { max_attempts: 5, mode: 'per_ip' }, ['mode']],
    [BRUTE, { enabled: 'yes' }, ['enabled']],
    [BRUTE, { shields: ['block', 'user_notification'] }, ['shields[1]']],
    [BRUTE, { shields: [] }, ['shields']],
    [BRUTE, { allowlist: ['192.0.2.1'] }, ['allowlist']],
    [BRUTE, { max_attempts: 5, colour: 'red' }, ['colour']],
    [IP, { shields: ['block', 'admin_notification'] }, ['shields[1]']],
    [IP, { allowlist: ['10.0.0.0/8', 'not-an-ip'] }, ['allowlist[1]']],
    [IP, { stage: { 'pre-login': { rate: 5 } } }, ['stage.pre-login.rate']],
    [IP, { stage: { 'pre-login': { max_attempts: 0, rate: 86_400_001 } } }, ['stage.pre-login.max_attempts', 'stage.pre-login.rate']],
    [IP, { stage: { 'pre-user-registration': { max_attempts: 50, rate: 1_728_000 } } }, ['stage.pre-user-registration']],
    [IP, { stage: { 'pre-custom-token-exchange': {} } }, ['stage.pre-custom-token-exchange']],
    [BREACHED, { method: 'enhanced' }, ['method']],
    [BREACHED, { admin_notification_frequency: ['immediately', 'daily'] }, ['admin_notification_frequency[1]']],
    [BREACHED, { shields: ['block', 'block'] }, ['shields']],
    [BREACHED, { shields: ['block', 'admin_notification'] }, ['shields']],
    [BREACHED, { stage: { 'pre-change-password': { shields: ['user_notification'] } } }, ['stage.pre-change-password.shields[0]']],
    [BREACHED, { enabled: true, stage: { 'pre-user-registration': { shields: ['admin_notification'] } } }, ['stage.pre-user-registration.shields']],
  ];
  for (const [path, body, fields] of refusals) assertRefused(await tg.call('PATCH', path, { body }), fields);
  const notJson = await tg.call('PATCH', BRUTE, { body: '{"max_attempts": 3', headers: { 'content-type': 'application/json' } });
  assert.deepEqual([notJson.status, notJson.body.errorCode], [400, 'invalid_request']);
  assert.deepEqual(await Promise.all([BRUTE, IP, BREACHED].map(async (path) => (await tg.call('GET', path)).body)), before);
  assert.deepEqual((await tg.call('GET', '/logs?type=attack_protection.updated')).body, []);
});

test('breached-password detection: admin_notification is accepted once the file names whom to email', async (t) => {
  const tg = await startManaged(t, (c) => { c.attack_protection = { breached_password_detection: { admin_notification_emails: ['security@example.com'] } }; });
  const res = await tg.call('PATCH', BREACHED, { body: { shields: ['block', 'admin_notification'], stage: { 'pre-user-registration': { shields: ['admin_notification'] } } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual([res.body.shields, res.body.stage['pre-user-registration'].shields], [['block', 'admin_notification'], ['admin_notification']]);
});

test('suspicious IP throttling: a lower max_attempts throttles at once; an IP allowlisted through the API is exempt from throttling and the rate limit', async (t) => {
  const tg = await startManaged(t, (c) => { c.attack_protection = { ip_throttling: { max_attempts: 100 }, rate_limit: { burst: 6, requests_per_second: 1 } }; });
  const attacker = '192.0.2.66';
  await tg.call('PATCH', IP, { body: { stage: { 'pre-login': { max_attempts: 2, rate: 86_400_000 } } } });
  await failLogins(tg, 2, attacker);
  const throttled = await login(tg, aliceLogin.password, attacker);
  assert.deepEqual([throttled.status, throttled.body.error], [429, 'too_many_attempts']);
  assert.match(throttled.body.error_description, /suspicious login behavior/);
  await tg.call('PATCH', IP, { body: { allowlist: ['192.0.2.0/24'] } });
  // Past the rate limit's burst of 6 too: the allowlist exempts from both.
  for (let i = 0; i < 4; i++) assert.equal((await login(tg, aliceLogin.password, attacker)).status, 200, `allowlisted login ${i + 1}`);
  await tg.call('PATCH', IP, { body: { allowlist: [] } });
  assert.equal((await login(tg, aliceLogin.password, attacker)).status, 429);
});

/** The configuration of a node on `storage`, with the ops client and `file` as its attack_protection. */
function nodeConfig(storage: string, file: ConfigInput['attack_protection'] = {}) {
  return (c: ConfigInput) => { withOps(c); c.storage = storage; c.attack_protection = file; };
}

async function storageFor(kind: 'sqlite' | 'postgres', t: { after(fn: () => Promise<void>): void }): Promise<string> {
  if (kind === 'sqlite') return `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-settings-')), 'db.sqlite')}`;
  const name = await createDatabase({ migrated: false });
  t.after(() => dropDatabase(name));
  return databaseUrl(name);
}

/** A node started on `storage`, closed by the test's end unless closed before. */
async function node(t: { after(fn: () => Promise<void>): void }, storage: string, file?: ConfigInput['attack_protection']): Promise<ManagedTollgate> {
  const tg = managed(await startTollgate(nodeConfig(storage, file)));
  let closed = false;
  const close = tg.close.bind(tg);
  tg.close = async () => { if (!closed) { closed = true; await close(); } };
  t.after(() => tg.close());
  return tg;
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`on ${kind}`, () => {
    test('a lower max_attempts through the API blocks at the new threshold, without a restart', async (t) => {
      const tg = await node(t, await storageFor(kind, t), { brute_force: { threshold: 10 } });
      assert.equal((await tg.call('PATCH', BRUTE, { body: { max_attempts: 3 } })).status, 200);
      await failLogins(tg, 3);
      const blocked = await login(tg);
      assert.deepEqual([blocked.status, blocked.body.error], [429, 'too_many_attempts'], 'the fourth attempt, right password, is refused');
      // Counting per account rather than per account and IP: another IP is blocked as well once mode changes.
      assert.equal((await login(tg, aliceLogin.password, '198.51.100.8')).status, 200);
      await tg.call('PATCH', BRUTE, { body: { mode: 'count_per_identifier' } });
      await failLogins(tg, 3, '198.51.100.9');
      assert.equal((await login(tg, aliceLogin.password, '198.51.100.8')).status, 429);
      await tg.call('PATCH', BRUTE, { body: { enabled: false } });
      assert.equal((await login(tg, aliceLogin.password, '198.51.100.8')).status, 200, 'disabled: the block is no longer checked');
    });

    test('every resource\'s changes read back the same from the store after a restart', async (t) => {
      const storage = await storageFor(kind, t);
      const first = await node(t, storage);
      const changed = await Promise.all([
        first.call('PATCH', BRUTE, { body: { enabled: false, mode: 'count_per_identifier', max_attempts: 42 } }),
        first.call('PATCH', IP, { body: { enabled: false, allowlist: ['2001:db8::/32'], stage: { 'pre-login': { max_attempts: 9, rate: 777_777 } } } }),
        first.call('PATCH', BREACHED, { body: { enabled: true, shields: ['user_notification'], stage: { 'pre-user-registration': { shields: [] } } } }),
      ]);
      await first.close();
      const second = await node(t, storage);
      assert.deepEqual(await Promise.all([BRUTE, IP, BREACHED].map(async (path) => (await second.call('GET', path)).body)), changed.map((res) => res.body));
      assert.equal(changed[1]!.body.stage['pre-login'].rate, 777_777, 'a rate that is not a whole number per day reads back as given');
    });

    test('restarts: an API change persists on the same store; editing that setting in the file makes the file\'s value apply again', async (t) => {
      const storage = await storageFor(kind, t);
      const first = await node(t, storage, { brute_force: { threshold: 10 } });
      await first.call('PATCH', BRUTE, { body: { max_attempts: 3 } });
      await first.call('PATCH', IP, { body: { allowlist: ['10.1.0.0/16'] } });
      await first.close();

      // Same file: the API's values hold, and the login protection uses them.
      const second = await node(t, storage, { brute_force: { threshold: 10 } });
      assert.equal((await second.call('GET', BRUTE)).body.max_attempts, 3);
      await failLogins(second, 3);
      assert.equal((await login(second)).status, 429);
      await second.close();

      // The file's threshold edited (and another setting of it): the file's new value wins; the API's allowlist stays.
      const third = await node(t, storage, { brute_force: { threshold: 5, mode: 'per_account' } });
      assert.deepEqual((await third.call('GET', BRUTE)).body, { enabled: true, shields: ['block'], allowlist: [], mode: 'count_per_identifier', max_attempts: 5 });
      assert.deepEqual((await third.call('GET', IP)).body.allowlist, ['10.1.0.0/16']);
      assert.ok(third.logs.some((line) => line.includes('attack_protection.brute_force.threshold')), 'the start says which file value applies again');
      await third.close();

      // The file edited back: its value (10), not the API change it overrode earlier (3).
      const fourth = await node(t, storage, { brute_force: { threshold: 10 } });
      assert.equal((await fourth.call('GET', BRUTE)).body.max_attempts, 10);
      await failLogins(fourth, 3, '198.51.100.20');
      assert.equal((await login(fourth, aliceLogin.password, '198.51.100.20')).status, 200);
    });
  });
}

test('the OpenAPI document describes the three resources: their scopes, answers and the fields a PATCH takes', async (t) => {
  const tg = await startManaged(t);
  const { paths } = (await tg.call('GET', '/openapi.json', { token: null })).body;
  for (const path of [BRUTE, IP, BREACHED]) {
    assert.deepEqual(paths[path].get.security, [{ management: ['read:attack_protection'] }]);
    assert.deepEqual(paths[path].patch.security, [{ management: ['update:attack_protection'] }]);
    assert.equal(paths[path].patch.requestBody.content['application/json'].schema.additionalProperties, false);
  }
  const brute = paths[BRUTE].patch.requestBody.content['application/json'].schema.properties;
  assert.deepEqual([brute.max_attempts.minimum, brute.max_attempts.maximum], [1, 100]);
  assert.deepEqual(brute.mode.enum, ['count_per_identifier_and_ip', 'count_per_identifier']);
  const ip = paths[IP].get.responses['200'].content['application/json'].schema;
  assert.deepEqual(Object.keys(ip.properties.stage.properties['pre-login'].properties), ['max_attempts', 'rate']);
  assert.ok(paths[BREACHED].patch.requestBody.content['application/json'].schema.properties.stage);
});
