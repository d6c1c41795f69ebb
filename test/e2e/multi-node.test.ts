/**
 * Scale-out: three `tollgate serve` processes on one PostgreSQL database and one Redis key prefix, with
 * requests spread round-robin as a load balancer would. What one node does, every node must see.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuth } from '../helpers/tollgate.ts';
import { serve, tollgate, type ServeProcess } from '../helpers/cli.ts';
import { createDatabase, databaseUrl, dropDatabase, psql } from '../helpers/postgres.ts';
import { REDIS_URL, deleteUnder, testPrefix } from '../helpers/redis.ts';
import { AcceptedRequestFailed, RoundRobin, sendTo, type Send } from '../helpers/balancer.ts';
import { within } from '../helpers/poll.ts';

const NODES = 3;
const THRESHOLD = 4;
/** keys.cache_ttl, in seconds: the documented bound for a key change to reach every node. */
const KEYS_TTL = 1;
/** Seconds a node serves on after SIGTERM while its readiness check fails. */
const SHUTDOWN_DELAY = 1;
/** What a loaded CI machine may add to a documented bound: a timer late, a query queued. */
const GRACE_MS = 1500;
const API = 'https://api.example.com';
const SECRET = 'multi-node-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const PASSWORD = 'A3ddj3w-correct';
const client = { authorization: basicAuth('web', SECRET) };

function configText(database: string, prefix: string): string {
  return `issuer: http://127.0.0.1
workers: 1
storage: ${databaseUrl(database)}
cache: ${REDIS_URL}
cache_prefix: "${prefix}"
log_level: warn
keys: { cache_ttl: ${KEYS_TTL} }
shutdown_delay: ${SHUTDOWN_DELAY}
password_hashing: { memory_cost: 64, time_cost: 1 }
attack_protection:
  brute_force: { threshold: ${THRESHOLD} }
  # Still counted in Redis on every request, but out of the way of a test that is one IP.
  rate_limit: { requests_per_second: 100000, burst: 100000 }
connections: [{ name: customers }]
apis: [{ identifier: "${API}", scopes: [read:items] }]
clients:
  - client_id: web
    client_secret: ${SECRET}
    grant_types: [password, refresh_token, client_credentials]
    api_grants: { "${API}": [read:items] }
    introspection: true
users:
  - { connection: customers, username: alice, password: ${PASSWORD} }
  - { connection: customers, username: bob, password: ${PASSWORD} }
  - { connection: customers, username: carol, password: ${PASSWORD} }
  - { connection: customers, username: dave, password: ${PASSWORD} }
`;
}

describe('three nodes on one PostgreSQL database and one Redis prefix, behind round-robin', () => {
  const prefix = testPrefix();
  /** Every process started, stopped or not: `after` kills whatever still runs. */
  const spawned: ServeProcess[] = [];
  const nodes: ServeProcess[] = [];
  let database: string;
  let file: string;
  let lb: RoundRobin;

  const start = async (port = 0) => {
    const node = await serve(file, port);
    spawned.push(node);
    return node;
  };
  const token = (form: Record<string, string>) => lb.send({ path: '/oauth/token', form, headers: client });
  const onEach = (send: Send) => Promise.all(nodes.map((n, i) => sendTo(n.url, i, { ...send, headers: client })));
  const introspectOnEach = (token: string) => onEach({ path: '/oauth/introspect', form: { token } });

  before(async () => {
    database = await createDatabase({ migrated: false });
    file = join(mkdtempSync(join(tmpdir(), 'tollgate-nodes-')), 'tollgate.yaml');
    writeFileSync(file, configText(database, prefix));
    // All at once on an empty database, as a deployment's first rollout would: migrations and keys are made once.
    // Settled, not Promise.all: a node that fails must not leave the others unrecorded, and running after the test.
    const started = await Promise.allSettled(Array.from({ length: NODES }, () => start()));
    for (const result of started) {
      if (result.status === 'rejected') throw result.reason;
      nodes.push(result.value);
    }
    lb = new RoundRobin(nodes.map((n) => n.url));
  });

  after(async () => {
    await Promise.all(spawned.map((n) => n.stop('SIGKILL')));
    await dropDatabase(database);
    await deleteUnder(prefix);
  });

  test('failures spread over the nodes block the account at exactly the threshold, the right password included', async () => {
    const login = (password: string) => token({ grant_type: 'password', username: 'bob', password });
    for (let i = 1; i <= THRESHOLD; i++) {
      const res = await login('wrong');
      assert.deepEqual([res.status, res.body.error], [400, 'invalid_grant'], `failure ${i} on node ${res.node}`);
    }
    const blocked = [await login('wrong'), ...await Promise.all(nodes.map(() => login(PASSWORD)))];
    assert.deepEqual(blocked.map((r) => [r.status, r.body.error]), Array(NODES + 1).fill([429, 'too_many_attempts']));
    assert.equal(new Set(blocked.map((r) => r.node)).size, NODES, 'every node refused');
  });

  test(`30 parallel wrong passwords spread over the nodes: exactly ${THRESHOLD} verified, the rest refused by the block`, async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => token({ grant_type: 'password', username: 'carol', password: 'wrong' })));
    const answers = results.map((r) => `${r.status} ${r.body.error}`);
    assert.equal(answers.filter((a) => a === '400 invalid_grant').length, THRESHOLD, answers.join(', '));
    assert.equal(answers.filter((a) => a === '429 too_many_attempts').length, 30 - THRESHOLD, answers.join(', '));
    assert.equal(new Set(results.map((r) => r.node)).size, NODES);
    const verified = await psql(database, "SELECT count(*)::int AS n FROM events WHERE type = 'login.wrong_password' AND username = 'carol'");
    assert.equal(verified[0]?.n, THRESHOLD, 'wrong passwords the nodes verified');
  });

  test(`30 parallel right passwords of one user spread over the nodes all succeed (threshold ${THRESHOLD})`, async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => token({ grant_type: 'password', username: 'dave', password: PASSWORD })));
    assert.deepEqual(results.map((r) => r.status), Array(30).fill(200), JSON.stringify(results.find((r) => r.status !== 200)?.body));
  });

  test('one refresh token sent to two nodes at once rotates once; its successor lives; replaying it later revokes the family', async () => {
    const login = await token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'offline_access read:items', audience: API });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const original = login.body.refresh_token as string;
    const refresh = (refresh_token: string) => token({ grant_type: 'refresh_token', refresh_token });

    const both = await Promise.all([refresh(original), refresh(original)]);
    assert.notEqual(both[0]!.node, both[1]!.node);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 400], JSON.stringify(both.map((r) => r.body)));
    assert.equal(both.find((r) => r.status === 400)!.body.error, 'invalid_grant');
    // README: the loser of a concurrent refresh is not a thief, so the family stays live.
    const winner = both.find((r) => r.status === 200)!.body.refresh_token as string;
    const next = await refresh(winner);
    assert.equal(next.status, 200, JSON.stringify(next.body));
    const live = next.body.refresh_token as string;

    // RFC 6819 §5.2.2.3: once past the second it was consumed in, the original is a replay and takes the family.
    await within(3000, 'a replay of the consumed token revokes the family', async () => {
      assert.equal((await refresh(original)).body.error, 'invalid_grant');
      return (await introspectOnEach(live)).every((r) => r.body.active === false);
    });
    assert.equal((await refresh(live)).body.error, 'invalid_grant');
  });

  test(`a key rotated with tollgate keys is in every node's JWKS, and signs, within keys.cache_ttl (${KEYS_TTL} s)`, async () => {
    const jwks = async () => (await onEach({ path: '/.well-known/jwks.json' })).map((r) => (r.body.keys as { kid: string }[]).map((k) => k.kid));
    const before = await jwks();
    assert.equal(new Set(before.map((kids) => kids.join())).size, 1, 'every node publishes the same keys');

    const rotated = await tollgate(['keys', 'rotate', '--config', file]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const [, current, next] = /^rotated RS256: (\S+) is current, .*; (\S+) is next$/m.exec(rotated.stdout) ?? assert.fail(rotated.stdout);
    assert.ok(before[0]!.includes(current!) && !before[0]!.includes(next!));

    await within(KEYS_TTL * 1000 + GRACE_MS, 'the new next key on every node', async () => (await jwks()).every((kids) => kids.includes(next!)));
    // The former next key signs on every node now: each node's token carries its kid and verifies on every other.
    await within(KEYS_TTL * 1000 + GRACE_MS, 'every node signs with the new current key', async () => {
      const issued = await Promise.all(nodes.map(() => token({ grant_type: 'client_credentials', audience: API })));
      const kids = issued.map((r) => JSON.parse(Buffer.from(r.body.access_token.split('.')[0], 'base64url').toString()).kid);
      if (!kids.every((kid) => kid === current)) return false;
      for (const r of issued) assert.ok((await introspectOnEach(r.body.access_token)).every((i) => i.body.active === true));
      return true;
    });
  });

  test('a revocation on one node (RFC 7009) is seen on every node at once, by introspection (RFC 7662) and /userinfo; a refresh token takes its family\'s access tokens along (RFC 7009 §2.1)', async () => {
    const login = async () => {
      const res = await token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid offline_access read:items', audience: API });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { access_token: string; refresh_token: string };
    };
    const userinfoOnEach = (access: string) => Promise.all(nodes.map((n, i) => sendTo(n.url, i, { method: 'GET', path: '/userinfo', headers: { authorization: `Bearer ${access}` } })));
    const revoke = async (value: string) => {
      const revoked = await lb.send({ path: '/oauth/revoke', form: { token: value }, headers: client });
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      return revoked.node;
    };
    const assertAccess = async (access: string, live: boolean, why: string) => {
      assert.deepEqual((await introspectOnEach(access)).map((r) => r.body.active), Array(NODES).fill(live), `introspection: ${why}`);
      assert.deepEqual((await userinfoOnEach(access)).map((r) => r.status), Array(NODES).fill(live ? 200 : 401), `/userinfo: ${why}`);
    };

    const first = await login();
    await assertAccess(first.access_token, true, 'live everywhere first');
    await assertAccess(first.access_token, false, `access token revoked on node ${await revoke(first.access_token)}`);

    const second = await login();
    assert.ok((await introspectOnEach(second.refresh_token)).every((r) => r.body.active === true), 'refresh token live everywhere first');
    await assertAccess(second.access_token, true, 'the family\'s access token live everywhere first');
    const node = await revoke(second.refresh_token);
    assert.deepEqual((await introspectOnEach(second.refresh_token)).map((r) => r.body), Array(NODES).fill({ active: false }), `refresh token revoked on node ${node}`);
    await assertAccess(second.access_token, false, `its family revoked on node ${node}`);
  });

  test('a node restarted under load fails no request it accepted, and serves again', async () => {
    // A load balancer with an active health check every 100 ms, well within the victim's shutdown_delay.
    const balancer = new RoundRobin(nodes.map((n) => n.url));
    const unwatch = balancer.watch(100);
    const victim = NODES - 1;
    const served = Array<number>(NODES).fill(0);
    const failures: unknown[] = [];
    let stopping = false;
    let servedAfterRestart = 0;
    let restarted = false;

    // Four callers sending cheap requests one after another, until the restarted node has served again.
    const caller = async () => {
      while (!stopping) {
        try {
          const res = await balancer.send({ path: '/oauth/token', form: { grant_type: 'client_credentials', audience: API }, headers: client });
          if (res.status !== 200) failures.push(res);
          served[res.node]!++;
          if (restarted && res.node === victim) servedAfterRestart++;
        } catch (err) {
          failures.push(err);
          if (!(err instanceof AcceptedRequestFailed)) stopping = true;
        }
      }
    };
    const stream = Promise.all(Array.from({ length: 4 }, caller));
    try {
      await within(10_000, 'the victim serves under load', async () => served[victim]! >= 20 || stopping);
      await within(5000, 'a request in flight on the victim', async () => balancer.inFlight[victim]! > 0 || stopping);
      const old = nodes[victim]!;
      old.child.kill('SIGTERM');
      await within(SHUTDOWN_DELAY * 1000, 'the balancer sees the victim draining', async () => balancer.health[victim] === 'draining');
      assert.equal(await old.exited, 0, old.output());
      nodes[victim] = await start(old.port);
      restarted = true;
      await within(10_000, 'the restarted node serves again', async () => servedAfterRestart >= 20 || stopping);
    } finally {
      stopping = true;
      await stream;
      unwatch();
    }
    assert.deepEqual(failures, [], 'no accepted request failed');
    assert.ok(served.every((count) => count > 0));
  });
});
