/**
 * The request rate limit by client (docs/attack-protection.md "Sizing the rate limit for a backend"): a trusted
 * server-side app that names its end users' addresses is counted under theirs, a confidential client with a
 * `rate_limit` of its own is counted in its own bucket, and nobody else can use either to get past an address's
 * limit. Over HTTP, on a frozen clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/config/schema.ts';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/config/load.ts';
import type { AuditEvent } from '../../src/model/events.ts';
import { REALM_GRANT, aliceLogin, baseConfig, start, webClient, type Res, type TestTollgate, type TokenOptions } from '../helpers/tollgate.ts';

const BACKEND_SECRET = 'backend-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const BATCH_SECRET = 'batch-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const SERVER = '198.51.100.10';

/** Per address: 3 at once, then 1 a second. `backend` trusts forwarded-for; `batch` has a limit of its own (6 at once). */
function limits(c: ConfigInput): void {
  c.attack_protection = { rate_limit: { requests_per_second: 1, burst: 3 } };
  c.clients!.push(
    { client_id: 'backend', client_secret: BACKEND_SECRET, grant_types: ['password'], trust_forwarded_for: true },
    { client_id: 'batch', client_secret: BATCH_SECRET, grant_types: ['password'], rate_limit: { requests_per_second: 1, burst: 6 } },
  );
}

/** `times` logins as `client` with `opts`; their statuses. */
async function statuses(tg: TestTollgate, times: number, client: [string, string], opts: TokenOptions): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push((await tg.token(aliceLogin, { basic: client, ...opts })).status);
  return out;
}

async function rateLimited(tg: TestTollgate): Promise<[string | null, string | null, string | null][]> {
  const events: AuditEvent[] = await tg.store.events.listEvents({ type: 'ip.rate_limited', limit: 100 });
  return events.map((e) => [e.ip, e.client_id, e.reason]);
}

test('a trusted backend naming its end users is limited per end user, not per its own address; the end user\'s bucket is the one they use directly too', async (t) => {
  const tg = await start(t, limits);
  const backend = (endUser?: string): TokenOptions => ({ remoteAddress: SERVER, headers: endUser === undefined ? {} : { 'tollgate-forwarded-for': endUser } });
  const users = ['203.0.113.1', '203.0.113.2', '2001:db8::3'];
  for (const user of users) assert.deepEqual(await statuses(tg, 3, ['backend', BACKEND_SECRET], backend(user)), [200, 200, 200], user);
  const refused: Res = await tg.token(aliceLogin, { basic: ['backend', BACKEND_SECRET], ...backend('203.0.113.1') });
  assert.deepEqual([refused.status, refused.body.error, refused.headers['retry-after']], [429, 'too_many_requests', '1']);
  assert.deepEqual(await rateLimited(tg), [['203.0.113.1', null, 'rate_limit']], 'the end user ran dry, named in the event');
  assert.equal((await tg.token(aliceLogin, { basic: webClient, remoteAddress: '203.0.113.1' })).status, 429, 'the same end user, directly');
  assert.deepEqual(await statuses(tg, 4, ['backend', BACKEND_SECRET], backend()), [200, 200, 200, 429], 'the backend\'s own requests: its address');
  tg.advance(1);
  assert.equal((await tg.token(aliceLogin, { basic: ['backend', BACKEND_SECRET], ...backend('203.0.113.1') })).status, 200, 'refilled');
});

test('a forwarded-for header changes nothing for an untrusted client, a public client, or a value that is not an address', async (t) => {
  const tg = await start(t, (c) => {
    limits(c);
    c.clients!.find((client) => client.client_id === 'mobile')!.trust_forwarded_for = true;
  });
  // A new end-user address on every request: were it believed, none would be refused.
  let n = 0;
  const named = (socket: string) => ({ remoteAddress: socket, headers: { 'tollgate-forwarded-for': `203.0.113.${++n}` } });
  assert.deepEqual(await statuses(tg, 4, webClient, named('198.51.100.21')), [200, 200, 200, 429], 'client without trust_forwarded_for');
  const mobile = [];
  for (let i = 0; i < 4; i++) {
    mobile.push((await tg.token({ grant_type: REALM_GRANT, realm: 'customers', client_id: 'mobile', username: 'alice', password: aliceLogin.password }, named('198.51.100.22'))).status);
  }
  assert.deepEqual(mobile, [200, 200, 200, 429], 'public client');
  const notAnIp = { remoteAddress: '198.51.100.23', headers: { 'tollgate-forwarded-for': '203.0.113.1, 203.0.113.2' } };
  assert.deepEqual(await statuses(tg, 4, ['backend', BACKEND_SECRET], notAnIp), [200, 200, 200, 429], 'not an address');
  assert.deepEqual((await rateLimited(tg)).map(([ip]) => ip), ['198.51.100.23', '198.51.100.22', '198.51.100.21'], 'each network address ran dry');
});

test('a client with a rate_limit of its own: counted in its own bucket wherever it calls from, apart from the address\'s', async (t) => {
  const tg = await start(t, limits);
  const batch: [string, string] = ['batch', BATCH_SECRET];
  assert.deepEqual(await statuses(tg, 4, batch, { remoteAddress: SERVER }), [200, 200, 200, 200], 'past the address\'s 3');
  assert.deepEqual(await statuses(tg, 3, batch, { remoteAddress: '198.51.100.11' }), [200, 200, 429], 'one bucket for the client, from any address');
  assert.deepEqual(await rateLimited(tg), [[null, 'batch', 'client_rate_limit']]);
  assert.deepEqual(await statuses(tg, 4, webClient, { remoteAddress: SERVER }), [200, 200, 200, 429], 'another client from the same address: the address\'s bucket, untouched');
  tg.advance(2);
  assert.deepEqual(await statuses(tg, 3, batch, { remoteAddress: SERVER }), [200, 200, 429], 'two seconds refill two');
});

test('naming a client with a limit of its own, or a trusted one, without its secret gets no further than the address\'s limit', async (t) => {
  const tg = await start(t, limits);
  const attacker = { remoteAddress: '198.51.100.66', headers: { 'tollgate-forwarded-for': '203.0.113.7' } };
  const answers = [];
  for (const client of ['batch', 'backend', 'batch', 'backend', 'batch']) {
    const res = await tg.token(aliceLogin, { basic: [client, 'wrong-secret'], ...attacker });
    answers.push(`${res.status} ${res.body.error}`);
  }
  assert.deepEqual(answers, ['401 invalid_client', '401 invalid_client', '401 invalid_client', '429 too_many_requests', '429 too_many_requests']);
  const failures = await tg.store.events.listEvents({ type: 'token.failure', limit: 100 });
  assert.equal(failures.length, 3, 'refused before client authentication: nothing spent on the last two');
});

test('a public client cannot have a rate_limit of its own: anyone can name it', () => {
  const config = baseConfig();
  config.clients!.find((c) => c.client_id === 'mobile')!.rate_limit = { requests_per_second: 1000, burst: 1000 };
  assert.throws(() => parseConfig(config), (err: unknown) => err instanceof ConfigError && /clients\[2\]\.rate_limit: a public client/.test(err.message));
});
