/**
 * `tollgate serve` with `workers: 2`: two processes behind one listening socket (node:cluster), each a full node on
 * one store. Requests go on new connections, which the primary hands to the workers in turn; the workers' log
 * lines (their pid) say which served what. What one worker does, the other must see, and the primary must keep
 * the machine's limits whole.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuth } from '../helpers/tollgate.ts';
import { serve, tollgate, type ServeProcess } from '../helpers/cli.ts';
import { createDatabase, databaseUrl, dropDatabase, psql } from '../helpers/postgres.ts';
import { sendTo, type Answer, type Send } from '../helpers/balancer.ts';
import { within } from '../helpers/poll.ts';
import { poolThreads } from '../../src/cluster/thread-pool.ts';

const THRESHOLD = 4;
const KEYS_TTL = 1;
const SHUTDOWN_DELAY = 1;
/** What a loaded CI machine may add to a documented bound. */
const GRACE_MS = 1500;
/** Not libuv's default (4), so the test sees the setting take effect. */
const POOL = 3;
const API = 'https://api.example.com';
const SECRET = 'workers-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const PASSWORD = 'A3ddj3w-correct';
const client = { authorization: basicAuth('web', SECRET) };

// log_level debug: health probes are logged at debug, and the tests tell the workers apart by their request lines.
function configFile(storage: string, rateLimit: string, workers = 2): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-workers-')), 'tollgate.yaml');
  writeFileSync(file, `issuer: http://127.0.0.1
storage: ${storage.replace('FILE', join(file, '..', 'db.sqlite'))}
workers: ${workers}
thread_pool_size: ${POOL}
log_level: debug
keys: { cache_ttl: ${KEYS_TTL} }
shutdown_delay: ${SHUTDOWN_DELAY}
password_hashing: { memory_cost: 64, time_cost: 1 }
attack_protection:
  brute_force: { threshold: ${THRESHOLD} }
  rate_limit: ${rateLimit}
connections: [{ name: customers }]
apis: [{ identifier: "${API}", scopes: [read:items] }]
clients:
  - client_id: web
    client_secret: ${SECRET}
    grant_types: [password, refresh_token, client_credentials]
    api_grants: { "${API}": [read:items] }
    introspection: true
  - client_id: batch
    client_secret: ${SECRET}
    grant_types: [client_credentials]
    api_grants: { "${API}": [read:items] }
    rate_limit: { requests_per_second: 1000, burst: 1000 }
users:
  - { connection: customers, username: alice, password: ${PASSWORD} }
  - { connection: customers, username: carol, password: ${PASSWORD} }
`);
  return file;
}

/** The worker processes of a primary. */
function workersOf(primary: ServeProcess): number[] {
  // ps exits with 1 when it finds none.
  const out = spawnSync('ps', ['--ppid', String(primary.child.pid), '-o', 'pid='], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((line) => Number(line.trim())).filter((pid) => pid > 0);
}

/** The pids that logged a completed request since `mark` (an offset into the output). */
function servedBy(node: ServeProcess, mark: number): Set<number> {
  const lines = node.output().slice(mark).split('\n').filter((line) => line.includes('"request completed"'));
  return new Set(lines.map((line) => (JSON.parse(line) as { pid: number }).pid));
}

/** `count` requests at once, each on a new connection, so the primary spreads them over the workers. */
function atOnce(node: ServeProcess, count: number, send: Send): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, () => sendTo(node.url, 0, { ...send, headers: { ...client, ...send.headers } })));
}

const spawned: ServeProcess[] = [];
after(async () => {
  await Promise.all(spawned.map((node) => node.stop('SIGKILL')));
});

async function start(file: string): Promise<ServeProcess> {
  const node = await serve(file);
  spawned.push(node);
  return node;
}

describe('workers: 2 on PostgreSQL, no Redis', () => {
  let database: string;
  let file: string;
  let node: ServeProcess;
  const token = (form: Record<string, string>) => sendTo(node.url, 0, { path: '/oauth/token', form, headers: client });

  before(async () => {
    database = await createDatabase({ migrated: false });
    file = configFile(databaseUrl(database), '{ requests_per_second: 100000, burst: 100000 }');
    node = await start(file);
  });
  after(async () => {
    await node.stop('SIGKILL');
    await dropDatabase(database);
  });

  test(`two workers, each with a thread pool of thread_pool_size (${POOL}) threads`, async () => {
    assert.match(node.output(), /Tollgate listening on \S+ \(config: .*; 2 workers, 3 pool threads each\)/);
    const workers = workersOf(node);
    assert.equal(workers.length, 2);
    await within(2000, 'both pools started', async () => workers.every((pid) => poolThreads(pid)! > 0));
    assert.deepEqual(workers.map((pid) => poolThreads(pid)), [POOL, POOL]);
  });

  test(`30 parallel wrong passwords on one account over both workers: exactly ${THRESHOLD} verified`, async () => {
    const mark = node.output().length;
    const results = await atOnce(node, 30, { path: '/oauth/token', form: { grant_type: 'password', username: 'carol', password: 'wrong' } });
    const answers = results.map((r) => `${r.status} ${r.body.error}`);
    assert.equal(answers.filter((a) => a === '400 invalid_grant').length, THRESHOLD, answers.join(', '));
    assert.equal(answers.filter((a) => a === '429 too_many_attempts').length, 30 - THRESHOLD, answers.join(', '));
    // A worker's log lines reach the primary's output a little after its answers reach the client.
    await within(3000, 'both workers answered', async () => servedBy(node, mark).size === 2);
    const verified = await psql(database, "SELECT count(*)::int AS n FROM events WHERE type = 'login.wrong_password' AND username = 'carol'");
    assert.equal(verified[0]?.n, THRESHOLD, 'wrong passwords the workers verified');
  });

  test('one refresh token sent 10 times at once over both workers rotates once', async () => {
    const login = await token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'offline_access' });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const mark = node.output().length;
    const results = await atOnce(node, 10, { path: '/oauth/token', form: { grant_type: 'refresh_token', refresh_token: login.body.refresh_token } });
    assert.deepEqual(results.map((r) => r.status).sort(), [200, ...Array(9).fill(400)], JSON.stringify(results.map((r) => r.body)));
    // A worker's log lines reach the primary's output a little after its answers reach the client.
    await within(3000, 'both workers answered', async () => servedBy(node, mark).size === 2);
    const winner = results.find((r) => r.status === 200)!.body.refresh_token as string;
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: winner })).status, 200, 'the one successor lives');
  });

  test('an access token revoked on one worker is inactive on both at once', async () => {
    const issued = await token({ grant_type: 'client_credentials', audience: API });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const introspect = () => atOnce(node, 6, { path: '/oauth/introspect', form: { token: issued.body.access_token } });
    assert.ok((await introspect()).every((r) => r.body.active === true));
    assert.equal((await sendTo(node.url, 0, { path: '/oauth/revoke', form: { token: issued.body.access_token }, headers: client })).status, 200);
    const mark = node.output().length;
    assert.deepEqual((await introspect()).map((r) => r.body.active), Array(6).fill(false));
    // A worker's log lines reach the primary's output a little after its answers reach the client.
    await within(3000, 'both workers answered', async () => servedBy(node, mark).size === 2);
  });

  test(`a key rotated with tollgate keys signs on both workers within keys.cache_ttl (${KEYS_TTL} s)`, async () => {
    const rotated = await tollgate(['keys', 'rotate', '--config', file]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const [, current] = /^rotated RS256: (\S+) is current/m.exec(rotated.stdout) ?? assert.fail(rotated.stdout);
    await within(KEYS_TTL * 1000 + GRACE_MS, 'both workers sign with the new current key', async () => {
      const mark = node.output().length;
      const issued = await atOnce(node, 6, { path: '/oauth/token', form: { grant_type: 'client_credentials', audience: API } });
      const kids = issued.map((r) => JSON.parse(Buffer.from(r.body.access_token.split('.')[0], 'base64url').toString()).kid);
      return kids.every((kid) => kid === current) && servedBy(node, mark).size === 2;
    });
  });

  test('a worker killed with SIGKILL is restarted and logged; the other serves meanwhile', async () => {
    const [victim, survivor] = workersOf(node);
    process.kill(victim!, 'SIGKILL');
    await within(2000, 'the primary logs the death', async () => node.output().includes('"msg":"worker ') && /exited \(SIGKILL\); restarting it in \d+ ms/.test(node.output()));
    const mark = node.output().length;
    const meanwhile = await atOnce(node, 4, { path: '/oauth/token', form: { grant_type: 'client_credentials', audience: API } });
    assert.deepEqual(meanwhile.map((r) => r.status), Array(4).fill(200));
    await within(10_000, 'a new worker', async () => /"msg":"worker \d restarted"/.test(node.output().slice(mark)));
    const now = workersOf(node);
    assert.equal(now.length, 2);
    assert.ok(now.includes(survivor!) && !now.includes(victim!), `${now} after ${victim} died`);
    const after = node.output().length;
    await atOnce(node, 6, { path: '/health/ready' });
    assert.deepEqual([...servedBy(node, after)].sort(), [...now].sort(), 'the restarted worker serves');
  });

  test('SIGTERM to the primary drains both workers: readiness 503 draining on each, requests still served, then exit 0', async () => {
    const workers = workersOf(node);
    node.child.kill('SIGTERM');
    await within(SHUTDOWN_DELAY * 1000, 'draining', async () => (await sendTo(node.url, 0, { path: '/health/ready' })).status === 503);
    const mark = node.output().length;
    const ready = await atOnce(node, 6, { path: '/health/ready' });
    assert.deepEqual(ready.map((r) => r.body.status), Array(6).fill('draining'));
    assert.equal(servedBy(node, mark).size, 2, 'both workers drain');
    const served = await atOnce(node, 4, { path: '/oauth/token', form: { grant_type: 'client_credentials', audience: API } });
    assert.deepEqual(served.map((r) => r.status), Array(4).fill(200), 'served while draining');
    assert.equal(await node.exited, 0, node.output());
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'every worker has exited');
  });
});

test('a worker that cannot start (PostgreSQL unreachable) stops the start: the primary exits with its code, and the worker does not linger', async () => {
  const run = await tollgate(['serve', '--config', configFile('postgres://postgres@127.0.0.1:1/none', '{ enabled: true }'), '--port', '0']);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /tollgate: cannot open the store \(PostgreSQL at 127\.0\.0\.1:1/);
  assert.match(run.stderr, /tollgate: worker 1 exited \(code 1\) before it listened/);
  // An exited worker logs no outage report: that comes 10 s after the outage began.
  assert.doesNotMatch(run.stdout + run.stderr, /still unreachable/);
});

describe('workers: 2 on SQLite, the request rate limit in the primary', () => {
  test(`one process on its own (workers: 1) sizes its thread pool too (${POOL} threads)`, async () => {
    const node = await start(configFile('sqlite:FILE', '{ requests_per_second: 100000, burst: 100000 }', 1));
    assert.deepEqual(workersOf(node), [], 'no workers');
    assert.equal(poolThreads(node.child.pid), POOL);
    assert.equal(await node.stop('SIGINT'), 0);
  });

  test('one burst for the machine, not one per worker; one ip.rate_limited event', async () => {
    const file = configFile('sqlite:FILE', '{ requests_per_second: 1, burst: 10 }');
    const node = await start(file);
    const started = performance.now();
    const mark = node.output().length;
    const results = await atOnce(node, 30, { path: '/oauth/token', form: { grant_type: 'client_credentials', audience: API } });
    const elapsed = (performance.now() - started) / 1000;
    const allowed = results.filter((r) => r.status === 200).length;
    // A worker's log lines reach the primary's output a little after its answers reach the client.
    await within(3000, 'both workers answered', async () => servedBy(node, mark).size === 2);
    // Kept in each worker, the limit would let 2 × 10 through; the refill adds one a second.
    assert.ok(allowed >= 10 && allowed <= 10 + Math.ceil(elapsed), `${allowed} allowed in ${elapsed.toFixed(2)} s`);
    assert.deepEqual(results.filter((r) => r.status !== 200).map((r) => r.body.error), Array(30 - allowed).fill('too_many_requests'));
    // The address is dry now: naming a client with a limit of its own, without its secret, is refused before
    // authentication (the workers ask the primary whether the address's bucket is empty, taking nothing).
    // On a loaded machine a second may pass since the burst: the token it refills lets one request reach client
    // authentication, which refuses it (401) and spends that token; none gets further.
    const claimed = await atOnce(node, 4, { path: '/oauth/token', form: { grant_type: 'client_credentials', audience: API }, headers: { authorization: basicAuth('batch', 'wrong-secret') } });
    const sinceBurst = (performance.now() - started) / 1000 - elapsed;
    const statuses = claimed.map((r) => r.status);
    assert.ok(statuses.every((status) => status === 429 || status === 401), JSON.stringify(claimed.map((r) => r.body)));
    assert.ok(statuses.filter((status) => status === 401).length <= Math.ceil(sinceBurst), `${JSON.stringify(statuses)} ${sinceBurst.toFixed(2)} s after the burst`);
    assert.equal(await node.stop(), 0);
    const logs = await tollgate(['logs', '--config', file, '--type', 'ip.rate_limited', '--json']);
    assert.equal(JSON.parse(logs.stdout).length, 1, logs.stdout);
  });
});
