/**
 * Redis as the cache of several nodes, over HTTP: attack protection shared by two servers on one
 * key prefix, readiness, and the fallback to the store while Redis is unreachable. Each test has its own prefix.
 */
import { test, type TestContext } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/config/schema.ts';
import { StoreUnavailableError } from '../../src/storage/errors.ts';
import type { EventType } from '../../src/model/events.ts';
import type { Store } from '../../src/storage/store.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { aliceLogin, start, webClient, type Res, type TestTollgate } from '../helpers/tollgate.ts';
import { CLOSED_REDIS_URL, REDIS_URL, deleteUnder, testPrefix } from '../helpers/redis.ts';
import { within } from '../helpers/poll.ts';

const WRONG = 'wrong-Pa55word-for-guessing';

/** Servers on one Redis prefix, each with its own SQLite store (`store` for the first); keys deleted after. */
async function nodes(t: TestContext, count: number, protection: NonNullable<ConfigInput['attack_protection']>, options: { url?: string; store?: Store; storage?: string; modify?: (c: ConfigInput) => void } = {}) {
  const prefix = testPrefix();
  t.after(() => deleteUnder(prefix));
  const configure = (c: ConfigInput) => {
    c.cache = options.url ?? REDIS_URL;
    c.cache_prefix = prefix;
    c.attack_protection = protection;
    if (options.storage !== undefined) c.storage = options.storage;
    options.modify?.(c);
  };
  const started: TestTollgate[] = [];
  for (let i = 0; i < count; i++) started.push(await start(t, configure, { store: i === 0 ? options.store : undefined }));
  return started;
}

/** The key prefix a server's cache writes under. */
const prefixOf = (tg: TestTollgate): string => tg.config.cache_prefix;

const login = (tg: TestTollgate, password: string, remoteAddress: string): Promise<Res> =>
  tg.token({ ...aliceLogin, password }, { basic: webClient, remoteAddress });

/** Events of `type` stored by all the nodes. */
async function eventCount(servers: TestTollgate[], type: EventType): Promise<number> {
  const counts = await Promise.all(servers.map(async (s) => (await s.store.events.listEvents({ type, limit: 100 })).length));
  return counts.reduce((a, b) => a + b, 0);
}

test('two nodes on one store and one Redis: failures spread across them block the account at exactly the threshold, announced once', async (t) => {
  const file = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-cache-')), 'db.sqlite')}`;
  const servers = await nodes(t, 2, { brute_force: { threshold: 4 }, rate_limit: { burst: 100 } }, { storage: file });
  for (let i = 0; i < 4; i++) assert.equal((await login(servers[i % 2]!, WRONG, '198.51.100.7')).body.error, 'invalid_grant', `failure ${i + 1}`);
  for (const server of servers) assert.equal((await login(server, aliceLogin.password, '198.51.100.7')).body.error, 'too_many_attempts');
  assert.equal(await eventCount(servers.slice(0, 1), 'brute_force.blocked'), 1);
  assert.deepEqual((await servers[1]!.store.attempts.listLoginBlocks({}, 0)).map((b) => [b.username, b.ip, b.failures]), [['alice', '198.51.100.7', 4]]);
});

test('a block holds when Redis loses every key of the prefix, and one made while Redis was unreachable holds once it answers', async (t) => {
  const file = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-cache-')), 'db.sqlite')}`;
  const protection = { brute_force: { threshold: 2 } };
  const [tg] = await nodes(t, 1, protection, { storage: file });
  for (let i = 0; i < 2; i++) assert.equal((await login(tg!, WRONG, '198.51.100.7')).body.error, 'invalid_grant');
  await deleteUnder(prefixOf(tg!));
  assert.equal((await login(tg!, aliceLogin.password, '198.51.100.7')).body.error, 'too_many_attempts', 'after the flush');

  // A node that cannot reach Redis blocks in the store; a node that reaches it afterwards still refuses.
  const [cut] = await nodes(t, 1, protection, { storage: file, url: CLOSED_REDIS_URL });
  for (let i = 0; i < 2; i++) assert.equal((await login(cut!, WRONG, '198.51.100.8')).body.error, 'invalid_grant');
  assert.equal(await eventCount([cut!], 'cache.unavailable'), 1);
  const [back] = await nodes(t, 1, protection, { storage: file });
  assert.equal((await login(back!, aliceLogin.password, '198.51.100.8')).body.error, 'too_many_attempts', 'with Redis back');
});

test('two nodes on one Redis: the request rate limit is shared: one burst across both, then 429 on each; one ip.rate_limited event', async (t) => {
  // A burst of 4 at 1 request/s: windows of 4 s, far longer than the test.
  const servers = await nodes(t, 2, { rate_limit: { requests_per_second: 1, burst: 4 }, allowlist: ['192.0.2.0/24'] });
  for (let i = 0; i < 4; i++) assert.equal((await login(servers[i % 2]!, aliceLogin.password, '198.51.100.1')).status, 200, `request ${i + 1}`);
  for (const server of [...servers, ...servers]) {
    const res = await login(server, aliceLogin.password, '198.51.100.1');
    assert.equal(res.status, 429);
    assert.equal(res.body.error, 'too_many_requests');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 4, `Retry-After ${retryAfter}`);
  }
  assert.equal((await login(servers[1]!, aliceLogin.password, '198.51.100.2')).status, 200, 'another IP has its own window');
  for (let i = 0; i < 6; i++) assert.equal((await login(servers[i % 2]!, aliceLogin.password, '192.0.2.10')).status, 200, 'allowlisted');
  assert.equal(await eventCount(servers, 'ip.rate_limited'), 1);
});

test('two nodes on one Redis: a client\'s own rate_limit is one bucket across both; naming it without its secret stops at the address\'s limit', async (t) => {
  const secret = 'batch-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
  const servers = await nodes(t, 2, { rate_limit: { requests_per_second: 1, burst: 2 } }, {
    modify: (c) => c.clients!.push({ client_id: 'batch', client_secret: secret, grant_types: ['password'], rate_limit: { requests_per_second: 1, burst: 4 } }),
  });
  const as = async (i: number, client: [string, string], remoteAddress: string) => (await servers[i % 2]!.token(aliceLogin, { basic: client, remoteAddress })).status;
  const batch: number[] = [];
  for (let i = 0; i < 6; i++) batch.push(await as(i, ['batch', secret], '198.51.100.1'));
  assert.deepEqual(batch, [200, 200, 200, 200, 429, 429], 'past the address\'s 2, up to the client\'s 4, over both nodes');
  const attacker: number[] = [];
  for (let i = 0; i < 4; i++) attacker.push(await as(i, ['batch', 'wrong-secret'], '198.51.100.9'));
  assert.deepEqual(attacker, [401, 401, 429, 429], 'failures count against the address, whose empty bucket refuses before authentication');
});

test('GET /health/ready names the cache: 200 "ok" while Redis answers, 200 "degraded" while the store serves for it; /health/live never asks', async (t) => {
  const [upNode] = await nodes(t, 1, {});
  const ready = async (node: TestTollgate) => {
    const res = await node.app.inject({ method: 'GET', url: '/health/ready' });
    return { status: res.statusCode, body: res.json() };
  };
  await within(2000, 'the cache trusted once the node has copied the denylist into it', async () => (await ready(upNode!)).body.status === 'ok');
  assert.deepEqual(await ready(upNode!), { status: 200, body: { status: 'ok', checks: { store: 'up', cache: 'up' } } });
  // Logins are served through the fallback while Redis is down, so the node stays ready (a probe must not take it out).
  const [downNode] = await nodes(t, 1, {}, { url: CLOSED_REDIS_URL });
  assert.deepEqual(await ready(downNode!), { status: 200, body: { status: 'degraded', checks: { store: 'up', cache: 'degraded' } } });
  assert.equal((await login(downNode!, aliceLogin.password, '198.51.100.9')).status, 200, 'and it does serve logins');
  const live = await downNode!.app.inject({ method: 'GET', url: '/health/live' });
  assert.deepEqual([live.statusCode, live.json()], [200, { status: 'ok' }]);
});

test('GET /health/ready answers 503 "unavailable" when the store does not answer; /health/live still 200', async (t) => {
  const sql = openSqlite('sqlite::memory:');
  const [tg] = await nodes(t, 1, {}, { store: sql });
  sql.ping = () => Promise.reject(new StoreUnavailableError());
  const res = await tg!.app.inject({ method: 'GET', url: '/health/ready' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().status, 'unavailable');
  assert.equal(res.json().checks.store, 'down');
  assert.equal((await tg!.app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
});

test('Redis unreachable: logins are protected by the store (the block starts at the threshold), the rate limit per node; one cache.unavailable event', async (t) => {
  const sql = openSqlite('sqlite::memory:');
  const [tg] = await nodes(t, 1, { brute_force: { threshold: 3 }, rate_limit: { requests_per_second: 1, burst: 5 } }, { url: CLOSED_REDIS_URL, store: sql });
  for (let i = 0; i < 3; i++) assert.equal((await login(tg!, WRONG, '198.51.100.7')).body.error, 'invalid_grant');
  assert.equal((await login(tg!, aliceLogin.password, '198.51.100.7')).body.error, 'too_many_attempts');
  assert.deepEqual((await sql.attempts.listLoginBlocks({}, 0)).map((b) => [b.username, b.failures]), [['alice', 3]], 'counted in SQL');
  assert.equal(await eventCount([tg!], 'brute_force.blocked'), 1);
  assert.equal((await login(tg!, aliceLogin.password, '198.51.100.7')).body.error, 'too_many_attempts', 'the fifth request: the burst holds it');
  assert.equal((await login(tg!, aliceLogin.password, '198.51.100.7')).body.error, 'too_many_requests', 'the sixth: limited in memory');
  assert.equal(await eventCount([tg!], 'cache.unavailable'), 1);
});
