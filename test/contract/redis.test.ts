/**
 * What only the cache has (the shared contract runs in attempts.test.ts): where keys go and how long they live,
 * that brute-force state never depends on Redis, the fallback to the SQL store while Redis is unreachable, and the
 * denylist kept in both.
 */
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { StoreUnavailableError } from '../../src/storage/errors.ts';
import type { AttemptStore } from '../../src/storage/slices/attempts.ts';
import type { EventType } from '../../src/model/events.ts';
import type { LoginFailureKey } from '../../src/model/attempts.ts';
import type { Store } from '../../src/storage/store.ts';
import { CLOCK_MARGIN } from '../../src/cache/keys.ts';
import type { Cache } from '../../src/cache/redis.ts';
import { CLOSED_REDIS_URL, REDIS_URL, deleteUnder, keysUnder, withTestCache } from '../helpers/redis.ts';
import { within } from '../helpers/poll.ts';

const T = 1_767_225_600;
const alice: LoginFailureKey = { connection: 'customers', username: 'alice', ip: '2001:db8::1' };
const policy = { capacity: 2, refill_per_second: 1 };

/** Closes the cache's connection as an outage would, without reconnecting, until `up`. */
async function down(cache: Cache): Promise<void> {
  const ended = once(cache.redis, 'end');
  cache.redis.disconnect();
  await ended;
}

const up = (cache: Cache) => cache.redis.connect();

/** A cache in front of a fresh SQLite store, closed (and its keys deleted) when the test ends; `redis` is a separate client. */
async function cached(t: TestContext, options: { url?: string; sql?: Store } = {}) {
  const sql = options.sql ?? openSqlite('sqlite::memory:');
  const setup = await withTestCache(sql, { url: options.url, now: () => T });
  // Redis's answers count once the node has copied the store's revocations into it (epoch.ts).
  await setup.epoch.establish();
  const redis = new Redis(REDIS_URL);
  t.after(async () => {
    redis.disconnect();
    await setup.store.close();
  });
  const events = async (type: EventType) => (await sql.events.listEvents({ type, limit: 100 })).length;
  return { ...setup, sql, redis, events };
}

test('cache: buckets and denylist entries are Redis keys under the prefix, each living as long as it can matter; brute-force counters stay in SQL', async (t) => {
  const { store, sql, prefix, redis, events } = await cached(t);
  assert.equal((await store.attempts.reserveLoginSlot(alice, T, 5, 30)).outcome, 'reserved');
  await store.attempts.addLoginFailure(alice, T, 5, null);
  await store.attempts.addLoginFailure({ ...alice, username: 'bob' }, T, 1, null);
  await store.attempts.takeFromBucket('ip:2001:db8::1', 1, T, policy);
  await store.denylist.denyAccessToken('jti-1', T + 300);
  await store.denylist.denySession('family', T + 900);
  assert.deepEqual(await keysUnder(prefix), [`${prefix}bucket:ip%3A2001%3Adb8%3A%3A1`, `${prefix}deny:jti-1`, `${prefix}deny:sid%3Afamily`, `${prefix}epoch`]);
  const ttl = (name: string) => redis.ttl(`${prefix}${name}`);
  assert.equal(await ttl('bucket:ip%3A2001%3Adb8%3A%3A1'), 2 + CLOCK_MARGIN, 'a bucket: until it is full again (full_at as the SQL stores compute it)');
  assert.equal(await ttl('deny:jti-1'), 300 + CLOCK_MARGIN, 'a revocation: until the token expires');
  assert.equal(await ttl('deny:sid%3Afamily'), 900 + CLOCK_MARGIN, 'a family\'s: until its access tokens expire');
  assert.equal(await store.attempts.takeFromBucket('ip:2001:db8::1', 0, T, policy).then((r) => r.allowed), true, 'cost 0 only looks');
  assert.equal(await redis.hget(`${prefix}bucket:ip%3A2001%3Adb8%3A%3A1`, 't'), '1');
  await store.attempts.takeFromBucket('ip:2001:db8::1', 1, T, policy);
  await store.attempts.giveBackToBucket('ip:2001:db8::1', T, policy);
  assert.equal(await redis.hget(`${prefix}bucket:ip%3A2001%3Adb8%3A%3A1`, 't'), '1', 'a token given back');
  assert.equal(await sql.attempts.takeFromBucket('ip:2001:db8::1', 0, T, policy).then((r) => r.allowed), true, 'buckets are not in SQL');
  await store.attempts.giveBackToBucket('ip:2001:db8::1', T, policy);
  assert.equal(await redis.exists(`${prefix}bucket:ip%3A2001%3Adb8%3A%3A1`), 0, 'a bucket full again is deleted: a missing bucket is a full one');

  assert.equal((await sql.attempts.getLoginFailures(alice, T))?.failures, 1, 'counters are in SQL');
  assert.deepEqual((await sql.attempts.listLoginBlocks({}, T)).map((b) => b.username), ['bob'], 'blocks are in SQL');
  assert.equal(await sql.denylist.isAccessTokenDenied({ jti: 'jti-1' }), true, 'revocations are in SQL too');
  assert.equal(await sql.denylist.isAccessTokenDenied({ jti: 'x', sid: 'family' }), true, 'a family\'s too');
  assert.equal(await events('cache.unavailable'), 0);
});

test('cache: a block holds when Redis loses every key of the prefix, and a block made while Redis was down holds after it answers again', async (t) => {
  const { store, sql, cache, prefix } = await cached(t);
  await store.attempts.addLoginFailure(alice, T, 1, null);
  await deleteUnder(prefix);
  assert.deepEqual(await store.attempts.reserveLoginSlot(alice, T, 1, 30), { outcome: 'blocked' }, 'after the flush');
  await down(cache);
  const bob = { ...alice, username: 'bob' };
  await store.attempts.addLoginFailure(bob, T, 1, null);
  await up(cache);
  await store.attempts.takeFromBucket('ip:a', 1, T, policy);
  assert.deepEqual(await store.attempts.reserveLoginSlot(bob, T, 1, 30), { outcome: 'blocked' }, 'after the outage');
  assert.deepEqual((await sql.attempts.listLoginBlocks({}, T)).map((b) => b.username), ['alice', 'bob']);
});

test('cache: the purge deletes brute-force counters an earlier version kept in Redis (they live in SQL now)', async (t) => {
  const { store, prefix, redis } = await cached(t);
  await redis.hset(`${prefix}lf:customers:alice:2001%3Adb8%3A%3A1`, 'f', '3', 'b', String(T));
  await store.attempts.takeFromBucket('ip:a', 1, T, policy);
  assert.equal(await store.purge(T), 1);
  assert.deepEqual(await keysUnder(prefix), [`${prefix}bucket:ip%3Aa`, `${prefix}epoch`], 'the bucket, not yet full again, stays, as does the epoch marker');
});

test('cache: Redis unreachable from the start: failures are counted in SQL and block at exactly the threshold; one cache.unavailable event', async (t) => {
  const { store, sql, events } = await cached(t, { url: CLOSED_REDIS_URL });
  const results = await Promise.all(Array.from({ length: 5 }, () => store.attempts.addLoginFailure(alice, T, 3, null)));
  assert.deepEqual(results.map((r) => r.failures).sort(), [1, 2, 3, 4, 5]);
  assert.equal(results.filter((r) => r.failures === 3).length, 1);
  assert.deepEqual({ ...await sql.attempts.getLoginFailures(alice, T) }, { failures: 5, blocked_at: T, block_expires_at: null });
  assert.equal((await store.attempts.getLoginFailures(alice, T))?.blocked_at, T);
  assert.deepEqual((await store.attempts.listLoginBlocks({}, T)).map((b) => b.username), ['alice']);
  for (let i = 0; i < 2; i++) assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, true);
  assert.deepEqual({ ...await store.attempts.takeFromBucket('ip:a', 1, T, policy) }, { allowed: false, retry_after: 1 }, 'buckets drain in SQL');
  assert.equal(await store.attempts.clearLoginFailures({ connection: 'customers', username: 'alice' }), 1);
  assert.equal(await events('cache.unavailable'), 1, 'one event for the outage, however many calls fell back');
  assert.equal(await events('cache.recovered'), 0);
});

test('cache: Redis and the store both down: the store\'s error propagates; nothing is let through', async (t) => {
  const sql = openSqlite('sqlite::memory:');
  const down = () => Promise.reject(new StoreUnavailableError({ cause: new Error('connect ECONNREFUSED') }));
  const failingAttempts = new Proxy(sql.attempts, { get: () => down }) as AttemptStore;
  const failing = new Proxy(sql, {
    get(target, prop) {
      if (prop === 'attempts') return failingAttempts;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const { store } = await cached(t, { url: CLOSED_REDIS_URL, sql: failing });
  await assert.rejects(store.attempts.getLoginFailures(alice, T), StoreUnavailableError);
  await assert.rejects(store.attempts.addLoginFailure(alice, T, 3, null), StoreUnavailableError);
  await assert.rejects(store.attempts.takeFromBucket('ip:a', 0, T, policy), StoreUnavailableError);
});

test('cache: an outage mid-way moves buckets to SQL, and the first answer after it goes back to Redis; one event each way', async (t) => {
  const { store, sql, cache, events } = await cached(t);
  await store.attempts.takeFromBucket('ip:a', 1, T, policy);
  await store.attempts.takeFromBucket('ip:a', 1, T, policy);
  await down(cache);
  // SQL has not seen the two takes: the bucket starts full there (an outage forgives, it never blocks).
  assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, true);
  assert.equal((await sql.attempts.takeFromBucket('ip:a', 0, T, policy)).allowed, true, 'one token left in SQL');
  assert.equal(await events('cache.unavailable'), 1);

  await up(cache);
  assert.deepEqual({ ...await store.attempts.takeFromBucket('ip:a', 1, T, policy) }, { allowed: false, retry_after: 1 }, 'Redis kept its level');
  // Recorded in the background by the reconnection, or by the call above if it noticed first.
  await within(2000, 'cache.recovered', async () => (await events('cache.recovered')) > 0);
  assert.equal(await events('cache.recovered'), 1);
});

test('cache: the denylist is written to SQL and Redis, read from Redis, from SQL while Redis is down, and copied from SQL on recovery', async (t) => {
  const { store, sql, cache, prefix, redis, events } = await cached(t);
  await store.denylist.denyAccessToken('jti-1', T + 600);
  assert.equal(await redis.get(`${prefix}deny:jti-1`), String(T + 600));
  assert.equal(await sql.denylist.isAccessTokenDenied({ jti: 'jti-1' }), true);
  await redis.set(`${prefix}deny:only-in-redis`, T + 600);
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'only-in-redis' }), true, 'read from Redis');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-2' }), false);
  await redis.set(`${prefix}deny:sid%3Afamily-in-redis`, T + 600);
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-2', sid: 'family-in-redis' }), true, 'a family, read from Redis with the jti');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-2', sid: 'family-2' }), false);

  await down(cache);
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-1' }), true, 'from SQL');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'only-in-redis' }), false, 'from SQL');
  await store.denylist.denyAccessToken('jti-2', T + 600);
  assert.equal(await sql.denylist.isAccessTokenDenied({ jti: 'jti-2' }), true, 'the revocation survives the outage');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-2' }), true);
  await store.denylist.denySession('family-2', T + 900);
  assert.equal(await sql.denylist.isAccessTokenDenied({ jti: 'x', sid: 'family-2' }), true, 'a family\'s revocation survives the outage');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'x', sid: 'family-2' }), true);
  assert.equal(await events('cache.unavailable'), 1);

  await up(cache);
  // Until the node has copied the store's entries back into Redis, SQL answers.
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-1' }), true);
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-2' }), true);
  await within(2000, 'cache.recovered', async () => (await events('cache.recovered')) > 0);
  await within(2000, 'the missed revocations copied to Redis', async () => await redis.get(`${prefix}deny:jti-2`) !== null);
  assert.equal(await redis.get(`${prefix}deny:jti-2`), String(T + 600), 'written to Redis when it answered again');
  assert.equal(await redis.get(`${prefix}deny:sid%3Afamily-2`), String(T + 900));
  assert.equal(await events('cache.recovered'), 1);
});

test('cache: Redis loses its data (every key gone, as after FLUSHALL or a restart without persistence): revocations stay in force, answered by SQL until they are copied back', async (t) => {
  const { store, sql, prefix, redis, epoch } = await cached(t);
  await store.denylist.denyAccessToken('revoked-before', T + 600);
  await store.denylist.denySession('family-before', T + 900);
  await sql.denylist.denyAccessToken('expired', T - 1);
  assert.equal(epoch.trusted, true);
  await redis.del(...await keysUnder(prefix));

  // The first check after the loss reads the marker with its keys, sees it gone, and asks SQL.
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'revoked-before' }), true, 'a revocation made before the loss');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'x', sid: 'family-before' }), true, 'a family revoked before the loss');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'never-revoked' }), false);
  await within(2000, 'the store\'s revocations copied back under a new marker', async () => epoch.trusted);
  assert.equal(await redis.get(`${prefix}deny:revoked-before`), String(T + 600));
  assert.equal(await redis.get(`${prefix}deny:sid%3Afamily-before`), String(T + 900));
  assert.equal(await redis.get(`${prefix}deny:expired`), null, 'what no longer matters is not copied');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'revoked-before' }), true, 'from Redis again');

  // Trusted again, it reads Redis: what only SQL has is not consulted (so the copy above is what kept it in force).
  await sql.denylist.denyAccessToken('only-in-sql', T + 600);
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'only-in-sql' }), false);
});

test('cache: a marker that changed (another node copied into a Redis this node has not verified) is not trusted until this node has copied too', async (t) => {
  const { store, prefix, redis, epoch } = await cached(t);
  await store.denylist.denyAccessToken('revoked', T + 600);
  await redis.del(`${prefix}deny:revoked`);
  await redis.set(`${prefix}epoch`, 'another-nodes-marker');
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'revoked' }), true);
  await within(2000, 'trusted again', async () => epoch.trusted);
  assert.equal(await redis.get(`${prefix}epoch`), 'another-nodes-marker', 'a marker in place is kept');
  assert.equal(await redis.get(`${prefix}deny:revoked`), String(T + 600));
});
