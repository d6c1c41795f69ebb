/**
 * Breached password detection, black-box over HTTP against a local range API and SMTP server: refused at login only
 * after the right password, with Auth0's password_leaked error, until the password changes; notifications once per
 * leaked password; fail-open when the list cannot be asked; refused when set (management API, import job); the
 * range API sees 5 hex characters of the SHA-1 and nothing else; no password or hash in events or logs.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { ConfigInput } from '../../src/config/schema.ts';
import { NOW, PASSWORD, REALM_GRANT, webClient, type TestTollgate } from '../helpers/tollgate.ts';
import { within } from '../helpers/poll.ts';
import { databaseUrl, releaseDatabase, takeDatabase } from '../helpers/postgres.ts';
import { REDIS_URL, deleteUnder, testPrefix } from '../helpers/redis.ts';
import { startManaged, type ManagedTollgate } from '../helpers/management.ts';
import { startSmtp } from '../helpers/mfa.ts';
import { listDir, receivedOnlyPrefixes, secretForms, startRangeServer, writeLeakedList, type RangeServer } from '../helpers/breached.ts';

const AUTH0_LEAKED = {
  error: 'password_leaked',
  error_description: "This login attempt has been blocked because the password you're using was previously disclosed through a data breach (not in this application).",
};
const CLEAN = 'Unlisted-Tangerine-Octopus-42';
const LEAKED_NEW = 'Leaked-Walrus-Banjo-77';

type Settings = NonNullable<NonNullable<ConfigInput['attack_protection']>['breached_password_detection']>;

/** Detection on, against `range`, its cache off so each request the range server counts is a lookup Tollgate made. */
const against = (range: RangeServer, settings: Partial<Settings> = {}, more: (c: ConfigInput) => void = () => {}) => (c: ConfigInput) => {
  c.attack_protection = { breached_password_detection: { enabled: true, range_url: range.url, range_cache_ttl: 0, range_timeout: 300, ...settings } };
  more(c);
};

const login = (tg: TestTollgate, password = PASSWORD, username = 'alice') => tg.token({ grant_type: 'password', username, password }, { basic: webClient });
const events = (tg: TestTollgate, type: 'pwd_leak' | 'breached_password.unavailable') => tg.store.events.listEvents({ type, limit: 100 });
/** A mail body without quoted-printable's soft line breaks. */
const unfolded = (body: string) => body.replace(/=\r\n/g, '');
const aliceId = async (tg: TestTollgate) => (await tg.store.users.findUserByLogin('customers', 'alice'))!.id;

/** Nothing Tollgate wrote (logs, events) or answered holds any of `passwords` in any form. */
async function assertNoSecrets(tg: TestTollgate, passwords: string[], answers: unknown[] = []): Promise<void> {
  const everything = JSON.stringify(await tg.store.events.listEvents({ limit: 1000 }));
  for (const form of passwords.flatMap(secretForms)) {
    for (const [where, text] of [['logs', tg.logs.join('')], ['events', everything], ['answers', JSON.stringify(answers)]] as const) {
      assert.ok(!text.includes(form), `"${form}" appears in the ${where}`);
    }
  }
  assert.ok(tg.logs.length > 0, 'the logs were captured');
}

test('block: the right password, leaked, is refused with Auth0\'s error until it changes; wrong passwords are never looked up', async (t) => {
  const range = await startRangeServer(t, { [PASSWORD]: 12, [LEAKED_NEW]: 3 });
  const tg: ManagedTollgate = await startManaged(t, against(range));
  const id = await aliceId(tg);

  const wrong = await login(tg, 'not-the-password');
  assert.equal(wrong.status, 400);
  assert.equal(range.received.length, 0, 'a wrong password is never looked up: no oracle');
  assert.equal((await login(tg, PASSWORD, 'nobody')).status, 400);
  assert.equal(range.received.length, 0);

  const refused = await login(tg);
  assert.deepEqual([refused.status, refused.body], [403, AUTH0_LEAKED]);
  assert.equal(range.received.length, 1);
  assert.ok(receivedOnlyPrefixes(range, PASSWORD), 'the range API saw more than the prefix');
  const [leak] = await events(tg, 'pwd_leak');
  assert.deepEqual([leak?.outcome, leak?.reason, leak?.user_id, leak?.connection, leak?.username, leak?.client_id], ['failure', 'block', id, 'customers', 'alice', 'web']);
  const view = await tg.call('GET', `/users/${id}`);
  assert.deepEqual([view.body.password_leaked, view.body.password_leaked_at], [true, NOW]);

  // Recorded on the user: the next attempts are refused without asking the list again (its cache is off here).
  for (let i = 0; i < 3; i++) assert.deepEqual((await login(tg)).body, AUTH0_LEAKED);
  assert.equal(range.received.length, 1);
  assert.equal((await events(tg, 'pwd_leak')).length, 4, 'each refusal is recorded');

  // A leaked new password is refused too, and changes nothing; a clean one ends the block.
  const leakedChange = await tg.call('PATCH', `/users/${id}`, { body: { password: LEAKED_NEW } });
  assert.equal(leakedChange.status, 400);
  assert.equal(leakedChange.body.errorCode, 'password_breached');
  assert.deepEqual(leakedChange.body.fields, [{ field: 'password', message: 'is part of a known breached password dataset (attack_protection.breached_password_detection)' }]);
  assert.equal((await login(tg, LEAKED_NEW)).status, 400, 'the refused password was not stored');
  assert.equal((await tg.call('PATCH', `/users/${id}`, { body: { password: CLEAN } })).status, 200);
  assert.deepEqual([(await tg.call('GET', `/users/${id}`)).body.password_leaked, (await tg.call('GET', `/users/${id}`)).body.password_leaked_at], [false, null]);
  assert.equal((await login(tg, CLEAN)).status, 200);
  await assertNoSecrets(tg, [PASSWORD, LEAKED_NEW, CLEAN], [refused, leakedChange]);
});

test('the password-realm grant and the legacy /oauth/ro are screened alike', async (t) => {
  const range = await startRangeServer(t, { [PASSWORD]: 1 });
  const tg = await startManaged(t, against(range, {}, (c) => {
    c.legacy = { resource_owner_endpoint: true };
    c.clients!.push({ client_id: 'legacy', token_endpoint_auth_method: 'none', grant_types: ['password'], connections: ['customers'] });
  }));
  const realm = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', username: 'alice', password: PASSWORD }, { basic: webClient });
  assert.deepEqual([realm.status, realm.body], [403, AUTH0_LEAKED]);
  const ro = await tg.app.inject({
    method: 'POST', url: '/oauth/ro', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ grant_type: 'password', client_id: 'legacy', username: 'alice', password: PASSWORD, connection: 'customers', scope: 'openid' }),
  });
  assert.deepEqual([ro.statusCode, ro.json()], [403, AUTH0_LEAKED]);
  assert.equal(range.received.length, 1, 'the second login found the leak recorded');
});

test('notifications: the user and the admins are emailed once per leaked password; without block the login goes on', async (t) => {
  const range = await startRangeServer(t, { [PASSWORD]: 7 });
  const smtp = await startSmtp(t);
  const tg = await startManaged(t, against(range, { shields: ['user_notification', 'admin_notification'], admin_notification_emails: ['security@example.com'] }, (c) => {
    c.mfa = { email: { smtp: smtp.url, from: 'Tollgate <no-reply@example.com>' } };
  }));
  assert.equal((await login(tg)).status, 200);
  await tg.breached.idle();
  const mails = [...smtp.inbox.messages].sort((a, b) => a.to.localeCompare(b.to)).map((m) => ({ to: m.to, body: unfolded(m.body) }));
  assert.deepEqual(mails.map((m) => m.to), ['alice@example.com', 'security@example.com']);
  assert.match(mails[0]!.body, /Someone just signed in to your account "alice" with a password that appears in a public data breach/);
  assert.match(mails[1]!.body, /A login of user "alice" \(connection customers, user id [0-9a-f]+\) from IP 127\.0\.0\.1 used a password found in a public data breach/);
  assert.match(mails[1]!.body, /The login was allowed\. The user was emailed and asked to change it\./);
  const [leak] = await events(tg, 'pwd_leak');
  assert.deepEqual([leak?.outcome, leak?.reason], ['success', 'user_notification,admin_notification']);

  assert.equal((await login(tg)).status, 200);
  await tg.breached.idle();
  assert.equal(smtp.inbox.messages.length, 2, 'one notification per leaked password, not one per login');
  assert.equal((await events(tg, 'pwd_leak')).length, 1);
  assert.equal(range.received.length, 1);
  const body = smtp.inbox.messages.map((m) => m.body).join('\n');
  for (const form of secretForms(PASSWORD)) assert.ok(!body.includes(form), `the email holds "${form}"`);
  await assertNoSecrets(tg, [PASSWORD]);
});

test('concurrent logins with one leaked password, held until all are verified: one mark, one round of emails', async (t) => {
  const range = await startRangeServer(t, { [PASSWORD]: 7 });
  const smtp = await startSmtp(t);
  const tg = await startManaged(t, against(range, { shields: ['block', 'user_notification', 'admin_notification'], admin_notification_emails: ['security@example.com'] }, (c) => {
    c.mfa = { email: { smtp: smtp.url, from: 'no-reply@example.com' } };
  }));
  const logins = 5;
  const before = tg.hasher.verifications;
  // Every login read the user (no mark yet) and verified the password before the list answers any of them.
  range.holdUntil = () => tg.hasher.verifications - before >= logins;
  const answers = await Promise.all(Array.from({ length: logins }, () => login(tg)));
  assert.deepEqual(answers.map((a) => a.status), Array(logins).fill(403));
  await tg.breached.idle();
  assert.deepEqual(smtp.inbox.messages.map((m) => m.to).sort(), ['alice@example.com', 'security@example.com']);
  assert.equal((await events(tg, 'pwd_leak')).length, logins, 'every refusal recorded');
});

test('fail-open: when the range API refuses, errs or is slow, the login passes and breached_password.unavailable says so', async (t) => {
  const range = await startRangeServer(t, { [PASSWORD]: 1 });
  const tg = await startManaged(t, against(range));
  const cases = [['refuse', 'range_api:unreachable'], ['error', 'range_api:bad_answer'], ['hang', 'range_api:timeout']] as const;
  for (const [mode, reason] of cases) {
    range.mode = mode;
    const started = performance.now();
    const res = await login(tg);
    assert.equal(res.status, 200, `${mode}: ${JSON.stringify(res.body)}`);
    assert.ok(performance.now() - started < 3000, `${mode}: the timeout bounds the login`);
    const [event] = await events(tg, 'breached_password.unavailable');
    assert.deepEqual([event?.reason, event?.outcome, event?.username], [reason, 'failure', 'alice']);
  }
  assert.equal((await tg.call('GET', `/users/${await aliceId(tg)}`)).body.password_leaked, false);
  assert.ok(tg.logs.some((line) => line.includes('breached password detection unavailable')));
  range.mode = 'answer';
  assert.deepEqual((await login(tg)).body, AUTH0_LEAKED, 'back to refusing once the API answers');
  await assertNoSecrets(tg, [PASSWORD]);
});

test('creating a user: a leaked password is refused per the pre-user-registration stage, and its admin_notification emails', async (t) => {
  const range = await startRangeServer(t, { [LEAKED_NEW]: 2 });
  const smtp = await startSmtp(t);
  const tg = await startManaged(t, against(range, {
    admin_notification_emails: ['security@example.com'],
    stage: { 'pre-user-registration': { shields: ['block', 'admin_notification'] }, 'pre-change-password': { shields: [] } },
  }, (c) => { c.mfa = { email: { smtp: smtp.url, from: 'no-reply@example.com' } }; }));
  const refused = await tg.call('POST', '/users', { body: { connection: 'customers', username: 'carol', password: LEAKED_NEW } });
  assert.deepEqual([refused.status, refused.body.errorCode], [400, 'password_breached']);
  assert.equal(await tg.store.users.findUserByLogin('customers', 'carol'), undefined, 'no user was created');
  assert.equal(smtp.inbox.messages.length, 1);
  assert.match(unfolded(smtp.inbox.messages[0]!.body), /An attempt to create user "carol" \(connection customers\) gave a password found in a public data breach on another website\. It was refused, and nothing was stored\./);
  const [leak] = await events(tg, 'pwd_leak');
  assert.deepEqual([leak?.outcome, leak?.reason, leak?.username], ['failure', 'pre-user-registration:block,admin_notification', 'carol']);
  assert.equal((await tg.call('POST', '/users', { body: { connection: 'customers', username: 'carol', password: CLEAN } })).status, 201);
  // pre-change-password has no shield here: the same password is accepted as a change, without a lookup.
  const before = range.received.length;
  assert.equal((await tg.call('PATCH', `/users/${await aliceId(tg)}`, { body: { password: LEAKED_NEW } })).status, 200);
  assert.equal(range.received.length, before);
  await assertNoSecrets(tg, [LEAKED_NEW, CLEAN], [refused]);
});

test('an import job refuses plain leaked passwords in its report, and imports the rest', async (t) => {
  const range = await startRangeServer(t, { [LEAKED_NEW]: 2 });
  const tg = await startManaged(t, against(range));
  const users = JSON.stringify([{ username: 'dave', password: LEAKED_NEW }, { username: 'zed', password: CLEAN }]);
  const created = await tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', new Blob([users], { type: 'application/json' })]]);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await tg.jobs.idle();
  const errors = await tg.call('GET', `/jobs/${created.body.id}/errors`);
  assert.deepEqual(errors.body, [{ user: { index: 0, line: 1 }, errors: [{ code: 'INVALID', message: 'password: is part of a known breached password dataset (attack_protection.breached_password_detection)' }] }]);
  assert.equal(await tg.store.users.findUserByLogin('customers', 'dave'), undefined);
  assert.equal((await login(tg, CLEAN, 'zed')).status, 200);
  await assertNoSecrets(tg, [LEAKED_NEW, CLEAN], [errors]);
});

test('method file: a local list refuses the leaked password at login and when set; disabled (the default), nothing is checked', async (t) => {
  const file = writeLeakedList({ [PASSWORD]: 30, [LEAKED_NEW]: 1 }, 2000, listDir(t));
  const tg = await startManaged(t, (c) => { c.attack_protection = { breached_password_detection: { enabled: true, method: 'file', file, min_count: 1 } }; });
  // A node builds the index in the background from its start; logins meanwhile pass (fail-open), so wait for it here.
  await within(5000, 'the index is built and the login refused', async () => (await login(tg)).status === 403);
  assert.deepEqual((await login(tg)).body, AUTH0_LEAKED);
  const created = await tg.call('POST', '/users', { body: { connection: 'customers', username: 'frank', password: LEAKED_NEW } });
  assert.deepEqual([created.status, created.body.errorCode], [400, 'password_breached']);

  const range = await startRangeServer(t, { [PASSWORD]: 1 });
  const off = await startManaged(t, (c) => { c.attack_protection = { breached_password_detection: { range_url: range.url } }; });
  assert.equal((await login(off)).status, 200);
  assert.equal((await off.call('POST', '/users', { body: { connection: 'customers', username: 'frank', password: LEAKED_NEW } })).status, 201);
  assert.equal(range.received.length, 0);
});

test('min_count: a password seen fewer times passes', async (t) => {
  const range = await startRangeServer(t, { [PASSWORD]: 4 });
  const tg = await startManaged(t, against(range, { min_count: 5 }));
  assert.equal((await login(tg)).status, 200);
  range.leak(PASSWORD, 5);
  assert.equal((await login(tg)).status, 403);
});

test('PostgreSQL + Redis, two nodes: a leak one node found is refused by the other without a lookup; a change on either clears it', async (t) => {
  const range = await startRangeServer(t, { [PASSWORD]: 1 });
  const database = await takeDatabase();
  const prefix = testPrefix();
  t.after(async () => {
    await deleteUnder(prefix);
    await releaseDatabase(database);
  });
  const node = async () => startManaged(t, against(range, {}, (c) => {
    c.storage = databaseUrl(database);
    c.cache = REDIS_URL;
    c.cache_prefix = prefix;
  }));
  const [first, second] = [await node(), await node()];
  assert.deepEqual((await login(first)).body, AUTH0_LEAKED);
  assert.deepEqual((await login(second)).body, AUTH0_LEAKED);
  assert.equal(range.received.length, 1, 'the second node read the mark from the store');
  const id = await aliceId(second);
  assert.equal((await second.call('GET', `/users/${id}`)).body.password_leaked, true);
  assert.equal((await second.call('PATCH', `/users/${id}`, { body: { password: CLEAN } })).status, 200);
  assert.equal((await login(first, CLEAN)).status, 200);
  assert.equal((await first.call('GET', `/users/${id}`)).body.password_leaked, false);
});

test('the management API turns detection on and off for the next login, without a restart', async (t) => {
  const range = await startRangeServer(t, { [PASSWORD]: 12 });
  const tg: ManagedTollgate = await startManaged(t, against(range, { enabled: false }));
  assert.equal((await login(tg)).status, 200, 'off in the file: the leaked password passes');
  assert.equal(range.received.length, 0);

  const on = await tg.call('PATCH', '/attack-protection/breached-password-detection', { body: { enabled: true } });
  assert.equal(on.status, 200);
  assert.deepEqual((await login(tg)).body, AUTH0_LEAKED, 'on through the API: the same login is refused');
  assert.equal(range.received.length, 1);

  const off = await tg.call('PATCH', '/attack-protection/breached-password-detection', { body: { enabled: false, shields: ['block'] } });
  assert.equal(off.status, 200);
  await tg.call('PATCH', `/users/${await aliceId(tg)}`, { body: { password: CLEAN } });
  assert.equal((await login(tg, CLEAN)).status, 200);
  assert.equal(range.received.length, 1, 'off again: nothing is looked up');
});
