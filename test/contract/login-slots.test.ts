/**
 * The brute-force slot contract (LoginFailureStore.reserveLoginSlot and what ends a slot) and giving tokens back to a
 * bucket, the same assertions for every backend: admission reserves what a failure would spend, atomically.
 */
import assert from 'node:assert/strict';
import type { BucketPolicy, LoginFailureKey } from '../../src/model/attempts.ts';
import type { Store } from '../../src/storage/store.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;
const LEASE = 30;
const alice: LoginFailureKey = { connection: 'customers', username: 'alice', ip: '203.0.113.1' };
const key = (overrides: Partial<LoginFailureKey> = {}): LoginFailureKey => ({ ...alice, ...overrides });

const reserve = (store: Store, at = T, threshold = 3, k = alice) => store.attempts.reserveLoginSlot(k, at, threshold, LEASE).then((r) => ({ ...r }));
const outcomes = (results: { outcome: string }[]) => results.map((r) => r.outcome);

forEachStore('login slot contract', (withStore) => {
  withStore('slots: failures + slots in use stay below the threshold; a failure turns its slot into a failure; a release frees it', async (store) => {
    assert.deepEqual(outcomes([await reserve(store), await reserve(store), await reserve(store)]), ['reserved', 'reserved', 'reserved']);
    assert.deepEqual(await reserve(store), { outcome: 'full' });
    assert.equal(await store.attempts.getLoginFailures(alice, T), undefined, 'slots are not failures');
    await store.attempts.releaseLoginSlot(alice, T, false);
    assert.equal((await reserve(store)).outcome, 'reserved', 'a released slot is free again');
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T, 3, null) }, { failures: 1, blocked_at: null, block_expires_at: null });
    assert.equal((await reserve(store)).outcome, 'full', 'the failure holds the place its slot held');
    await store.attempts.addLoginFailure(alice, T, 3, null);
    await store.attempts.addLoginFailure(alice, T, 3, null);
    assert.deepEqual(await reserve(store), { outcome: 'blocked' }, 'the third failure started the block');
    assert.equal((await reserve(store, T, 3, key({ ip: '203.0.113.2' }))).outcome, 'reserved', 'another key has its own slots');
  });

  withStore('slots: 50 concurrent reservations (threshold 10) take exactly 10; failing all 10 blocks, and exactly one caller sees the threshold', async (store) => {
    const results = await Promise.all(Array.from({ length: 50 }, () => reserve(store, T, 10)));
    assert.equal(results.filter((r) => r.outcome === 'reserved').length, 10);
    assert.ok(results.filter((r) => r.outcome !== 'reserved').every((r) => r.outcome === 'full'));
    const failures = await Promise.all(Array.from({ length: 10 }, () => store.attempts.addLoginFailure(alice, T, 10, null)));
    assert.deepEqual(failures.map((f) => f.failures).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i + 1));
    assert.deepEqual(await reserve(store, T, 10), { outcome: 'blocked' });
  });

  withStore('slots: a slot nobody gives back (its node died) lapses after the lease; the next reservation renews the lease', async (store) => {
    for (let i = 0; i < 3; i++) await reserve(store);
    assert.equal((await reserve(store, T + LEASE - 1)).outcome, 'full');
    assert.equal((await reserve(store, T + LEASE)).outcome, 'reserved', 'every slot lapsed: one in use now');
    assert.equal((await reserve(store, T + LEASE)).outcome, 'reserved');
    assert.equal((await reserve(store, T + LEASE)).outcome, 'reserved');
    assert.deepEqual(await reserve(store, T + LEASE), { outcome: 'full' });
    assert.equal((await reserve(store, T + 2 * LEASE - 1)).outcome, 'full', 'the lease runs from the last reservation');
    assert.equal((await reserve(store, T + 2 * LEASE)).outcome, 'reserved');
  });

  withStore('slots: a release with reset (a right password) sets only that key back to zero failures, and lifts no block', async (store) => {
    for (const k of [alice, key({ ip: '203.0.113.2' })]) {
      await reserve(store, T, 5, k);
      await store.attempts.addLoginFailure(k, T, 5, null);
    }
    await reserve(store, T, 5);
    await store.attempts.releaseLoginSlot(alice, T, true);
    assert.equal(await store.attempts.getLoginFailures(alice, T), undefined);
    assert.equal((await store.attempts.getLoginFailures(key({ ip: '203.0.113.2' }), T))?.failures, 1);
    await reserve(store, T, 5);
    await store.attempts.releaseLoginSlot(alice, T, false);
    assert.equal(await store.attempts.getLoginFailures(alice, T), undefined, 'a plain release counts nothing');
    await store.attempts.addLoginFailure(key({ username: 'bob' }), T, 1, null);
    await store.attempts.releaseLoginSlot(key({ username: 'bob' }), T, true);
    assert.equal((await store.attempts.getLoginFailures(key({ username: 'bob' }), T))?.blocked_at, T, 'the block stands');
    await store.attempts.releaseLoginSlot(key({ username: 'nobody' }), T, true);
  });

  withStore('slots: a lapsed block is forgotten by the next reservation; failures at or past a lowered threshold refuse as a block', async (store) => {
    await store.attempts.addLoginFailure(alice, T, 1, 60);
    assert.deepEqual(await reserve(store, T + 59), { outcome: 'blocked' });
    assert.equal((await reserve(store, T + 60)).outcome, 'reserved');
    assert.deepEqual({ ...await store.attempts.addLoginFailure(alice, T + 60, 3, 60) }, { failures: 1, blocked_at: null, block_expires_at: null });
    const bob = key({ username: 'bob' });
    for (let i = 0; i < 5; i++) await store.attempts.addLoginFailure(bob, T, 10, null);
    assert.deepEqual(await reserve(store, T, 3, bob), { outcome: 'blocked' });
  });

  withStore('slots: clearing an account\'s failures keeps its slots in use counted; the purge keeps a key while a slot is leased', async (store) => {
    await reserve(store);
    await reserve(store);
    await store.attempts.addLoginFailure(alice, T, 3, null);
    assert.equal(await store.attempts.clearLoginFailures({ connection: 'customers', username: 'alice' }), 1);
    assert.equal(await store.attempts.getLoginFailures(alice, T), undefined);
    assert.equal((await reserve(store)).outcome, 'reserved');
    assert.equal((await reserve(store)).outcome, 'reserved');
    assert.equal((await reserve(store)).outcome, 'full', 'the slot still in use is counted');
    assert.equal(await store.purge(T + LEASE - 1), 0);
    assert.equal(await store.purge(T + LEASE), 1, 'a key with no failure and no slot goes');
  });

  withStore('buckets: a token given back is there again, never above capacity; giving back to a full bucket does nothing', async (store) => {
    const policy: BucketPolicy = { capacity: 2, refill_per_second: 1 / 864 };
    await store.attempts.giveBackToBucket('ip:a', T, policy);
    for (let i = 0; i < 2; i++) assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, true);
    assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, false);
    await store.attempts.giveBackToBucket('ip:a', T, policy);
    assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, true, 'the token given back');
    assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, false);
    for (let i = 0; i < 5; i++) await store.attempts.giveBackToBucket('ip:a', T, policy);
    assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, true);
    assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, true);
    assert.equal((await store.attempts.takeFromBucket('ip:a', 1, T, policy)).allowed, false, 'capacity caps what comes back');
  });

  withStore('slots and buckets: a login that spends nothing leaves nothing to purge', async (store) => {
    const policy: BucketPolicy = { capacity: 5, refill_per_second: 1 / 864 };
    await reserve(store);
    await store.attempts.takeFromBucket('ip:b', 1, T, policy);
    await store.attempts.releaseLoginSlot(alice, T, true);
    await store.attempts.giveBackToBucket('ip:b', T, policy);
    await reserve(store, T, 3, key({ username: 'bob' }));
    await store.attempts.releaseLoginSlot(key({ username: 'bob' }), T, false);
    assert.equal(await store.purge(T + 10 * LEASE), 0);
  });
});
