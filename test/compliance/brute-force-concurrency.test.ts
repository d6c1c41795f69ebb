/**
 * Brute-force protection under concurrency (RFC 6749 §4.3.2): at most `threshold` wrong passwords are verified per
 * key before the block, however many requests arrive at once, and valid logins are never refused for it. Every test
 * holds its parallel requests at the account lookup (just before admission) until all have arrived, and counts the
 * verifications the server actually ran.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/config/schema.ts';
import { StoreUnavailableError } from '../../src/storage/errors.ts';
import type { EventType } from '../../src/model/events.ts';
import type { Store } from '../../src/storage/store.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { NOW, aliceLogin, start, webClient, type Res, type TestTollgate } from '../helpers/tollgate.ts';
import { Barrier, heldAtLookup } from '../helpers/barrier.ts';
import { SLOT_LEASE } from '../../src/protection/login-protection.ts';
import { openTestPostgres } from '../helpers/postgres.ts';
import { REDIS_URL, deleteUnder, testPrefix } from '../helpers/redis.ts';

const WRONG = 'wrong-Pa55word-for-guessing';
const BLOCKED = { error: 'too_many_attempts', error_description: 'Your account has been blocked after multiple consecutive login attempts.' };
const LOCAL = '127.0.0.1';

type AttackProtection = NonNullable<ConfigInput['attack_protection']>;

/** The stores a server can run on, each fresh. */
const backends: { name: string; open: () => Promise<Store>; cache: boolean }[] = [
  { name: 'sqlite', open: async () => openSqlite('sqlite::memory:'), cache: false },
  { name: 'postgres', open: () => openTestPostgres(), cache: false },
  { name: 'postgres + redis', open: () => openTestPostgres(), cache: true },
];

/** A server on `backend` whose account lookups wait at the returned barrier. */
async function held(t: TestContext, protection: AttackProtection, backend = backends[0]!): Promise<{ tg: TestTollgate; barrier: Barrier }> {
  const barrier = new Barrier();
  const prefix = testPrefix();
  if (backend.cache) t.after(() => deleteUnder(prefix));
  const tg = await start(t, (c) => {
    c.attack_protection = protection;
    if (backend.cache) {
      c.cache = REDIS_URL;
      c.cache_prefix = prefix;
    }
  }, { store: heldAtLookup(await backend.open(), barrier) });
  return { tg, barrier };
}

const login = (tg: TestTollgate, params: Record<string, string> = {}, remoteAddress?: string): Promise<Res> =>
  tg.token({ ...aliceLogin, ...params }, { basic: webClient, ...(remoteAddress === undefined ? {} : { remoteAddress }) });

/** `requests`, all held at the barrier until every one has reached it. */
function together(barrier: Barrier, requests: (() => Promise<Res>)[]): Promise<Res[]> {
  barrier.arm(requests.length);
  return Promise.all(requests.map((r) => r()));
}

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

async function eventCount(tg: TestTollgate, type: EventType): Promise<number> {
  return (await tg.store.events.listEvents({ type, limit: 1000 })).length;
}

const statusesOf = (results: Res[]) => results.map((r) => r.status);

for (const backend of backends) {
  describe(`brute force under concurrency, ${backend.name}`, () => {
    test('50 parallel wrong passwords (threshold 10): exactly 10 verified, the other 40 refused by the block, announced once', async (t) => {
      const { tg, barrier } = await held(t, { brute_force: { threshold: 10 } }, backend);
      const before = tg.hasher.verifications;
      const results = await together(barrier, times(50, () => () => login(tg, { password: WRONG })));
      assert.equal(tg.hasher.verifications - before, 10, 'password verifications the server ran');
      assert.equal(await eventCount(tg, 'login.wrong_password'), 10);
      assert.equal(statusesOf(results).filter((s) => s === 400).length, 10, statusesOf(results).join(','));
      for (const res of results.filter((r) => r.status !== 400)) {
        assert.equal(res.status, 429);
        assert.deepEqual(res.body, BLOCKED);
      }
      assert.equal(await eventCount(tg, 'brute_force.blocked'), 1);
      assert.deepEqual((await tg.store.attempts.listLoginBlocks({}, NOW)).map((b) => [b.username, b.ip, b.failures]), [['alice', LOCAL, 10]]);
    });

    test('30 parallel right passwords of one user all succeed', async (t) => {
      const { tg, barrier } = await held(t, { brute_force: { threshold: 10 } }, backend);
      const results = await together(barrier, times(30, () => () => login(tg)));
      assert.deepEqual(statusesOf(results), Array(30).fill(200), JSON.stringify(results.find((r) => r.status !== 200)?.body));
      assert.equal(await eventCount(tg, 'login.success'), 30);
    });
  });
}

test('unknown usernames: 50 parallel guesses for an account that does not exist are verified exactly 10 times, like a real one', async (t) => {
  const { tg, barrier } = await held(t, { brute_force: { threshold: 10 } });
  const before = tg.hasher.verifications;
  const results = await together(barrier, times(50, () => () => login(tg, { username: 'nobody', password: WRONG })));
  assert.equal(tg.hasher.verifications - before, 10);
  assert.equal(await eventCount(tg, 'login.unknown_user'), 10);
  assert.equal(statusesOf(results).filter((s) => s === 429).length, 40);
});

test('mixed: 25 wrong and 25 right passwords of one user at once; every right one is answered 200 unless a block began, and the counter never passes the threshold', async (t) => {
  const { tg, barrier } = await held(t, { brute_force: { threshold: 10 } });
  const results = await together(barrier, times(50, (i) => () => login(tg, i % 2 === 0 ? { password: WRONG } : {})));
  const wrong = results.filter((_, i) => i % 2 === 0);
  const right = results.filter((_, i) => i % 2 === 1);
  const blocked = await eventCount(tg, 'brute_force.blocked');
  assert.ok(wrong.every((r) => r.status === 400 || (r.status === 429 && blocked === 1)), statusesOf(wrong).join(','));
  assert.ok(right.every((r) => r.status === 200 || (r.status === 429 && blocked === 1)), statusesOf(right).join(','));
  assert.equal(right.filter((r) => r.status === 200).length, await eventCount(tg, 'login.success'));
  const state = await tg.store.attempts.getLoginFailures({ connection: 'customers', username: 'alice', ip: LOCAL }, NOW);
  assert.ok((state?.failures ?? 0) <= 10, `failures counted: ${state?.failures}`);
  assert.equal(wrong.filter((r) => r.status === 400).length, await eventCount(tg, 'login.wrong_password'));
});

test('two users at once: 50 parallel guesses at alice block her after exactly 10, while 30 parallel logins of bob all succeed', async (t) => {
  const { tg, barrier } = await held(t, { brute_force: { threshold: 10 } });
  // bob is alice of the employees connection: another account, another key.
  const bob = { grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', password: 'employee-password' };
  const results = await together(barrier, [...times(50, () => () => login(tg, { password: WRONG })), ...times(30, () => () => login(tg, bob))]);
  assert.equal(await eventCount(tg, 'login.wrong_password'), 10);
  assert.deepEqual(statusesOf(results.slice(50)), Array(30).fill(200));
});

test('suspicious IP throttling under concurrency: 30 parallel failures across accounts from one IP (max_attempts 5) verify exactly 5', async (t) => {
  const { tg, barrier } = await held(t, { ip_throttling: { max_attempts: 5, per_day: 100 } });
  const before = tg.hasher.verifications;
  const results = await together(barrier, times(30, (i) => () => login(tg, { username: `user${i}`, password: WRONG }, '203.0.113.66')));
  assert.equal(tg.hasher.verifications - before, 5);
  assert.equal(statusesOf(results).filter((s) => s === 429).length, 25);
  assert.ok(results.filter((r) => r.status === 429).every((r) => Number(r.headers['retry-after']) >= 1));
});

// ---- The line for a slot ----

const BUSY = { error: 'too_many_attempts', error_description: 'Too many logins for this account are in progress. Please try again shortly.' };
const aliceKey = { connection: 'customers', username: 'alice', ip: LOCAL };

/** Takes every slot of alice's key as logins in flight on another node would. */
async function takeEverySlot(tg: TestTollgate, threshold: number): Promise<void> {
  for (let i = 0; i < threshold; i++) assert.equal((await tg.store.attempts.reserveLoginSlot(aliceKey, NOW, threshold, SLOT_LEASE)).outcome, 'reserved');
}

test('threshold 1: 8 parallel right passwords wait their turn for the single slot, and all succeed', async (t) => {
  const { tg, barrier } = await held(t, { brute_force: { threshold: 1 } });
  const results = await together(barrier, times(8, () => () => login(tg)));
  assert.deepEqual(statusesOf(results), Array(8).fill(200));
});

test('queue_timeout: with every slot in use for longer, 429 too_many_attempts with Retry-After; nothing verified, no failure counted', async (t) => {
  const { tg } = await held(t, { brute_force: { threshold: 3, queue_timeout: 0.3 } });
  await takeEverySlot(tg, 3);
  const before = tg.hasher.verifications;
  const started = performance.now();
  const res = await login(tg);
  assert.ok(performance.now() - started >= 290, 'it waited queue_timeout');
  assert.equal(res.status, 429);
  assert.deepEqual(res.body, BUSY);
  assert.equal(res.headers['retry-after'], '1');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(tg.hasher.verifications - before, 0);
  assert.equal(await tg.store.attempts.getLoginFailures(aliceKey, NOW), undefined, 'no failure counted');
  const [refused] = await tg.store.events.listEvents({ type: 'login.refused', limit: 1 });
  assert.equal(refused?.reason, 'queue_timeout');
});

test('a slot left by a node that died lapses after its lease: a waiting login then goes through', async (t) => {
  const { tg } = await held(t, { brute_force: { threshold: 2, queue_timeout: 10 } });
  await takeEverySlot(tg, 2);
  let settled = false;
  const pending = login(tg).finally(() => { settled = true; });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(settled, false, 'it waits while the slots are leased');
  tg.advance(SLOT_LEASE);
  const res = await pending;
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

test('a block that begins while logins wait in line refuses them all, with the block', async (t) => {
  const { tg } = await held(t, { brute_force: { threshold: 2, queue_timeout: 10 } });
  await takeEverySlot(tg, 2);
  const waiting = Promise.all(times(5, () => login(tg)));
  await new Promise((resolve) => setTimeout(resolve, 100));
  // The two logins in flight elsewhere turn out wrong.
  for (let i = 0; i < 2; i++) await tg.store.attempts.addLoginFailure(aliceKey, NOW, 2, null);
  for (const res of await waiting) {
    assert.equal(res.status, 429);
    assert.deepEqual(res.body, BLOCKED);
  }
});

test('suspicious IP throttling: a right password gives its token back, a wrong one spends it', async (t) => {
  const { tg } = await held(t, { ip_throttling: { max_attempts: 3, per_day: 100 } });
  const ip = '203.0.113.70';
  for (let i = 0; i < 2; i++) assert.equal((await login(tg, { username: `user${i}`, password: WRONG }, ip)).status, 400);
  for (let i = 0; i < 5; i++) assert.equal((await login(tg, {}, ip)).status, 200, `success ${i + 1} with one token left`);
  assert.equal((await login(tg, { username: 'user9', password: WRONG }, ip)).status, 400);
  assert.equal((await login(tg, {}, ip)).status, 429, 'the last token was spent by the failure');
});

test('a login that fails after admission (the store did not answer) gives its slot back', async (t) => {
  const sql = openSqlite('sqlite::memory:');
  let failNext = false;
  const attempts = new Proxy(sql.attempts, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'takeFromBucket' && failNext) {
        failNext = false;
        return () => Promise.reject(new StoreUnavailableError({ cause: new Error('connect ECONNREFUSED') }));
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const store = new Proxy(sql, {
    get(target, prop) {
      if (prop === 'attempts') return attempts;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const tg = await start(t, (c) => { c.attack_protection = { brute_force: { threshold: 1, queue_timeout: 0 } }; }, { store });
  failNext = true;
  assert.equal((await login(tg)).status, 503);
  const res = await login(tg);
  assert.equal(res.status, 200, `the slot came back: ${JSON.stringify(res.body)}`);
});
