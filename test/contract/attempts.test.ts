/** The AttemptStore and EventStore contract (attack protection's state), the same assertions for every backend. */
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../src/model/events.ts';
import type { BucketPolicy, LoginFailureKey } from '../../src/model/attempts.ts';
import type { Store } from '../../src/storage/store.ts';
import { FAILURE_RETENTION } from '../../src/storage/attempts.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;

const alice: LoginFailureKey = { connection: 'customers', username: 'alice', ip: '203.0.113.1' };
const key = (overrides: Partial<LoginFailureKey> = {}): LoginFailureKey => ({ ...alice, ...overrides });

/** 100 attempts refilled at 100 a day: one every 864 seconds. */
const daily: BucketPolicy = { capacity: 5, refill_per_second: 100 / 86_400 };

function event(overrides: Partial<AuditEvent> & Pick<AuditEvent, 'id'>): AuditEvent {
  return {
    time: T, type: 'login.wrong_password', client_id: 'web', connection: 'customers', username: 'alice', user_id: 'u1',
    ip: '203.0.113.1', user_agent: 'agent/1.0', outcome: 'failure', reason: 'wrong_password', request_id: null, ...overrides,
  };
}

/** Rows as plain objects, whatever prototype the driver gives them. */
const plain = <T extends object>(rows: T[]): T[] => rows.map((r) => ({ ...r }));

forEachStore('attempt and event store contract', (withStore) => {
  // ---- Login failures ----

  withStore('login failures: counted per key; the block starts at exactly the threshold and keeps its start time', async (store) => {
    assert.equal(await store.attempts.getLoginFailures(alice, T), undefined);
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T, 3, null) }, { failures: 1, blocked_at: null, block_expires_at: null });
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T + 1, 3, null) }, { failures: 2, blocked_at: null, block_expires_at: null });
    assert.deepEqual({ ...await store.attempts.getLoginFailures(alice, T + 1) }, { failures: 2, blocked_at: null, block_expires_at: null });
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T + 2, 3, null) }, { failures: 3, blocked_at: T + 2, block_expires_at: null });
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T + 3, 3, null) }, { failures: 4, blocked_at: T + 2, block_expires_at: null });
    assert.deepEqual({ ...await store.attempts.getLoginFailures(alice, T + 10) }, { failures: 4, blocked_at: T + 2, block_expires_at: null });
    // Each part of the key separates counters.
    for (const other of [key({ ip: '203.0.113.2' }), key({ username: 'bob' }), key({ connection: 'employees' }), key({ ip: '*' })]) {
      assert.equal(await store.attempts.getLoginFailures(other, T + 10), undefined, JSON.stringify(other));
    }
  });

  withStore('login failures: a threshold of 1 blocks on the first failure; block_ttl sets the expiry from the blocking failure', async (store) => {
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T, 1, 60) }, { failures: 1, blocked_at: T, block_expires_at: T + 60 });
    await store.attempts.addLoginFailure(key({ ip: '*' }), T, 2, 300);
    assert.deepEqual({ ...await store.attempts.addLoginFailure(key({ ip: '*' }), T + 5, 2, 300) }, { failures: 2, blocked_at: T + 5, block_expires_at: T + 305 });
    assert.equal((await store.attempts.addLoginFailure(key({ ip: '*' }), T + 6, 2, 300)).block_expires_at, T + 305, 'later failures do not extend it');
  });

  withStore('login failures: 50 concurrent increments are all counted, and exactly one caller sees the threshold', async (store) => {
    const results = await Promise.all(Array.from({ length: 50 }, () => store.attempts.addLoginFailure(alice, T, 10, null)));
    assert.deepEqual(results.map((r) => r.failures).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1), 'each increment saw its own count');
    assert.equal(results.filter((r) => r.failures === 10).length, 1);
    assert.ok(results.filter((r) => r.failures >= 10).every((r) => r.blocked_at === T));
    assert.ok(results.filter((r) => r.failures < 10).every((r) => r.blocked_at === null));
    assert.deepEqual({ ...await store.attempts.getLoginFailures(alice, T) }, { failures: 50, blocked_at: T, block_expires_at: null });
  });

  withStore('login failures: a lapsed block (block_expires_at <= now) reads as no state and the next failure restarts at 1', async (store) => {
    await store.attempts.addLoginFailure(alice, T, 2, 60);
    await store.attempts.addLoginFailure(alice, T, 2, 60);
    assert.equal((await store.attempts.getLoginFailures(alice, T + 59))?.blocked_at, T);
    assert.equal(await store.attempts.getLoginFailures(alice, T + 60), undefined);
    assert.deepEqual(await store.attempts.listLoginBlocks({}, T + 60), []);
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T + 60, 2, 60) }, { failures: 1, blocked_at: null, block_expires_at: null });
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T + 61, 2, 60) }, { failures: 2, blocked_at: T + 61, block_expires_at: T + 121 });
  });

  withStore('login failures: listLoginBlocks shows blocks in force, oldest first, filtered by connection and username', async (store) => {
    const block = async (k: LoginFailureKey, at: number, ttl: number | null = null) => store.attempts.addLoginFailure(k, at, 1, ttl);
    await block(key({ ip: '203.0.113.2' }), T + 1);
    await block(alice, T);
    await block(key({ username: 'bob' }), T + 2);
    await block(key({ connection: 'employees', ip: '*' }), T + 3);
    await block(key({ username: 'lapsed' }), T, 5);
    await store.attempts.addLoginFailure(key({ username: 'carol' }), T, 3, null);
    const all = plain(await store.attempts.listLoginBlocks({}, T + 10));
    assert.deepEqual(all.map((b) => [b.connection, b.username, b.ip]), [
      ['customers', 'alice', '203.0.113.1'], ['customers', 'alice', '203.0.113.2'], ['customers', 'bob', '203.0.113.1'], ['employees', 'alice', '*'],
    ]);
    assert.deepEqual(all[0], { connection: 'customers', username: 'alice', ip: '203.0.113.1', failures: 1, blocked_at: T, block_expires_at: null, last_failure_at: T });
    assert.equal((await store.attempts.listLoginBlocks({}, T + 4)).length, 5, 'the lapsing block is listed until its expiry');
    assert.equal((await store.attempts.listLoginBlocks({}, T + 5)).length, 4, 'and gone at it');
    assert.deepEqual((await store.attempts.listLoginBlocks({ connection: 'employees' }, T + 10)).map((b) => b.ip), ['*']);
    assert.deepEqual((await store.attempts.listLoginBlocks({ username: 'alice' }, T + 10)).map((b) => b.connection), ['customers', 'customers', 'employees']);
    assert.deepEqual((await store.attempts.listLoginBlocks({ connection: 'customers', username: 'bob' }, T + 10)).map((b) => b.username), ['bob']);
    assert.deepEqual(await store.attempts.listLoginBlocks({ username: 'carol' }, T + 10), [], 'below the threshold is not a block');
  });

  withStore('login failures: clearLoginFailures removes one IP or every IP of an account, blocked or not, and returns the count', async (store) => {
    await store.attempts.addLoginFailure(alice, T, 1, null);
    await store.attempts.addLoginFailure(key({ ip: '203.0.113.2' }), T, 5, null);
    await store.attempts.addLoginFailure(key({ ip: '*' }), T, 1, null);
    await store.attempts.addLoginFailure(key({ username: 'bob' }), T, 1, null);
    await store.attempts.addLoginFailure(key({ connection: 'employees' }), T, 1, null);
    assert.equal(await store.attempts.clearLoginFailures({ connection: 'customers', username: 'alice', ip: '203.0.113.1' }), 1);
    assert.equal(await store.attempts.getLoginFailures(alice, T), undefined);
    assert.equal(await store.attempts.clearLoginFailures({ connection: 'customers', username: 'alice' }), 2);
    assert.equal(await store.attempts.clearLoginFailures({ connection: 'customers', username: 'alice' }), 0);
    assert.deepEqual((await store.attempts.listLoginBlocks({}, T)).map((b) => [b.connection, b.username]), [['customers', 'bob'], ['employees', 'alice']]);
  });

  // ---- Token buckets ----

  withStore('buckets: a new bucket is full; cost 0 only looks; a take beyond the level is refused with Retry-After', async (store) => {
    for (let i = 0; i < 10; i++) assert.deepEqual({ ...await store.attempts.takeFromBucket('ip:a', 0, T, daily) }, { allowed: true, retry_after: 0 });
    for (let i = 0; i < 5; i++) assert.deepEqual({ ...await store.attempts.takeFromBucket('ip:a', 1, T, daily) }, { allowed: true, retry_after: 0 }, `take ${i + 1}`);
    assert.deepEqual({ ...await store.attempts.takeFromBucket('ip:a', 1, T, daily) }, { allowed: false, retry_after: 864 });
    assert.deepEqual({ ...await store.attempts.takeFromBucket('ip:a', 0, T, daily) }, { allowed: false, retry_after: 864 });
    assert.deepEqual({ ...await store.attempts.takeFromBucket('ip:b', 1, T, daily) }, { allowed: true, retry_after: 0 }, 'buckets are independent');
  });

  withStore('buckets: refill arithmetic: refill_per_second tokens a second, capped at capacity; refused takes cost nothing', async (store) => {
    const half: BucketPolicy = { capacity: 3, refill_per_second: 0.5 };
    for (let i = 0; i < 3; i++) await store.attempts.takeFromBucket('b', 1, T, half);
    assert.deepEqual({ ...await store.attempts.takeFromBucket('b', 1, T, half) }, { allowed: false, retry_after: 2 });
    assert.deepEqual({ ...await store.attempts.takeFromBucket('b', 1, T + 1, half) }, { allowed: false, retry_after: 1 }, 'half a token');
    assert.deepEqual({ ...await store.attempts.takeFromBucket('b', 1, T + 2, half) }, { allowed: true, retry_after: 0 }, 'a whole token after 2 s');
    assert.deepEqual({ ...await store.attempts.takeFromBucket('b', 0, T + 2, half) }, { allowed: false, retry_after: 2 });
    assert.equal((await store.attempts.takeFromBucket('b', 1, T + 4, half)).allowed, true);
    // Long idle: full again, never more than capacity.
    for (let i = 0; i < 3; i++) assert.equal((await store.attempts.takeFromBucket('b', 1, T + 10_000, half)).allowed, true, `take ${i + 1} after idling`);
    assert.equal((await store.attempts.takeFromBucket('b', 1, T + 10_000, half)).allowed, false);

    for (let i = 0; i < 5; i++) await store.attempts.takeFromBucket('d', 1, T, daily);
    assert.deepEqual({ ...await store.attempts.takeFromBucket('d', 0, T + 863, daily) }, { allowed: false, retry_after: 1 });
    assert.equal((await store.attempts.takeFromBucket('d', 1, T + 864, daily)).allowed, true, 'one attempt back after 864 s');
    assert.equal((await store.attempts.takeFromBucket('d', 1, T + 864, daily)).allowed, false);
  });

  withStore('buckets: 20 concurrent takes from a bucket of 5 allow exactly 5', async (store) => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store.attempts.takeFromBucket('ip:c', 1, T, daily)));
    assert.equal(results.filter((r) => r.allowed).length, 5);
    assert.ok(results.filter((r) => !r.allowed).every((r) => r.retry_after === 864));
    assert.equal((await store.attempts.takeFromBucket('ip:c', 0, T, daily)).allowed, false);
  });

  // ---- Events ----

  withStore('events: listed newest first (ties in insertion order, latest first), with every field as stored', async (store) => {
    const events = [
      event({ id: 'e1', type: 'login.success', outcome: 'success', reason: null }),
      event({ id: 'e2', time: T + 10 }),
      event({ id: 'e3', time: T + 20, type: 'brute_force.blocked', reason: '3 consecutive failures' }),
      event({ id: 'e4', time: T + 20, type: 'login.wrong_password' }),
      event({ id: 'e5', time: T + 30, type: 'ip.rate_limited', client_id: null, connection: null, username: null, user_id: null, user_agent: null, reason: 'rate_limit' }),
    ];
    for (const e of events) await store.events.addEvent(e);
    assert.deepEqual(plain(await store.events.listEvents({ limit: 100 })), [...events].reverse());
    assert.deepEqual((await store.events.listEvents({ limit: 2 })).map((e) => e.id), ['e5', 'e4']);
  });

  withStore('events: filters by user (id or username), type and since, combined', async (store) => {
    await store.events.addEvent(event({ id: 'a1', time: T, type: 'login.success', outcome: 'success', reason: null }));
    await store.events.addEvent(event({ id: 'a2', time: T + 10 }));
    await store.events.addEvent(event({ id: 'n1', time: T + 20, type: 'login.unknown_user', username: 'nobody', user_id: null }));
    await store.events.addEvent(event({ id: 'b1', time: T + 30, username: 'bob', user_id: 'u2' }));
    const ids = async (filter: Parameters<Store['events']['listEvents']>[0]) => (await store.events.listEvents(filter)).map((e) => e.id);
    assert.deepEqual(await ids({ user: 'u1', limit: 10 }), ['a2', 'a1'], 'by user id');
    assert.deepEqual(await ids({ user: 'alice', limit: 10 }), ['a2', 'a1'], 'by username');
    assert.deepEqual(await ids({ user: 'ALICE', limit: 10 }), ['a2', 'a1'], 'usernames are case-insensitive');
    assert.deepEqual(await ids({ user: 'nobody', limit: 10 }), ['n1']);
    assert.deepEqual(await ids({ type: 'login.wrong_password', limit: 10 }), ['b1', 'a2']);
    assert.deepEqual(await ids({ since: T + 10, limit: 10 }), ['b1', 'n1', 'a2'], 'since is inclusive');
    assert.deepEqual(await ids({ user: 'alice', type: 'login.wrong_password', since: T + 5, limit: 10 }), ['a2']);
    assert.deepEqual(await ids({ type: 'ip.throttled', limit: 10 }), []);
    assert.deepEqual(await ids({ until: T + 20, limit: 10 }), ['n1', 'a2', 'a1'], 'until is inclusive');
    assert.deepEqual(await ids({ since: T + 10, until: T + 20, limit: 10 }), ['n1', 'a2']);
  });

  withStore('events: offset pages through the same order; a page past the end is empty', async (store) => {
    for (const [id, time] of [['p1', T], ['p2', T], ['p3', T + 1], ['p4', T + 2], ['p5', T + 2]] as const) await store.events.addEvent(event({ id, time }));
    const page = async (offset: number) => (await store.events.listEvents({ limit: 2, offset })).map((e) => e.id);
    assert.deepEqual([await page(0), await page(2), await page(4), await page(6)], [['p5', 'p4'], ['p3', 'p2'], ['p1'], []]);
    assert.deepEqual((await store.events.listEvents({ user: 'alice', limit: 1, offset: 1 })).map((e) => e.id), ['p4'], 'offset after the filters');
  });

  withStore('events: purgeEvents deletes those older than `before` and returns the count', async (store) => {
    for (const [id, time] of [['old1', T - 100], ['old2', T - 1], ['now', T], ['new', T + 1]] as const) await store.events.addEvent(event({ id, time }));
    assert.equal(await store.events.purgeEvents(T), 2);
    assert.equal(await store.events.purgeEvents(T), 0);
    assert.deepEqual((await store.events.listEvents({ limit: 10 })).map((e) => e.id), ['new', 'now']);
  });

  // ---- Housekeeping ----

  withStore('purge: full buckets, lapsed blocks and stale failures go; blocks without expiry and recent counters stay', async (store) => {
    await store.attempts.takeFromBucket('ip:a', 1, T, { capacity: 2, refill_per_second: 1 });
    await store.attempts.addLoginFailure(key({ username: 'lapsing' }), T, 1, 60);
    await store.attempts.addLoginFailure(key({ username: 'blocked' }), T, 1, null);
    await store.attempts.addLoginFailure(key({ username: 'pending' }), T, 5, null);
    assert.equal(await store.purge(T), 0, 'nothing is done with yet');
    assert.equal(await store.purge(T + 60), 2, 'the refilled bucket and the lapsed block');
    assert.equal(await store.purge(T + FAILURE_RETENTION - 1), 0);
    assert.equal(await store.purge(T + FAILURE_RETENTION), 1, 'failures left alone for FAILURE_RETENTION');
    assert.equal((await store.attempts.getLoginFailures(key({ username: 'blocked' }), T + FAILURE_RETENTION))?.failures, 1, 'a block without expiry stays');
    assert.equal(await store.attempts.getLoginFailures(key({ username: 'pending' }), T), undefined);
    assert.deepEqual({ ...await store.attempts.takeFromBucket('ip:a', 0, T + 60, { capacity: 2, refill_per_second: 1 }) }, { allowed: true, retry_after: 0 });
  });
});
