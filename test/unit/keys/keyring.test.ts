/** KeyRing: when it reads the keys from the store again (its timer, unknown kids) and when it does not. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { KeyRing, UNKNOWN_KID_RELOAD_INTERVAL } from '../../../src/keys/keyring.ts';
import { rotateSigningKeys } from '../../../src/keys/lifecycle.ts';
import type { Store } from '../../../src/storage/store.ts';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';

const T = 1_767_225_600;

/** A ring on a fresh store whose listSigningKeys calls are counted, with the interval timers mocked. */
async function ring(t: TestContext) {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const store: Store = openSqlite('sqlite::memory:');
  const reads = t.mock.method(store.keys, 'listSigningKeys');
  let clock = T;
  const keys = await KeyRing.open(store, ['ES256'], { now: () => clock, cacheTtl: 60 });
  t.after(async () => {
    keys.close();
    await store.close();
  });
  reads.mock.resetCalls();
  return { store, keys, reads: () => reads.mock.callCount(), listing: reads.mock, advance: (seconds: number) => { clock += seconds; } };
}

test('open makes a current and a next key; the ring signs with the current one and publishes both', async (t) => {
  const { store, keys } = await ring(t);
  const stored = await store.keys.listSigningKeys();
  assert.deepEqual(stored.map((k) => k.state).sort(), ['current', 'next']);
  assert.equal(keys.signingKey('ES256').kid, stored.find((k) => k.state === 'current')!.kid);
  assert.deepEqual(keys.jwks().keys.map((k) => k.kid), ['current', 'next'].map((s) => stored.find((k) => k.state === s)!.kid));
  assert.deepEqual(keys.algorithms(), ['ES256']);
});

test('the keys are read again every cache_ttl seconds, in the background, and not before', async (t) => {
  const { store, keys, reads } = await ring(t);
  const before = keys.signingKey('ES256').kid;
  const rotation = await rotateSigningKeys(store, 'ES256', T);
  const readsByRotation = reads();
  t.mock.timers.tick(59_999);
  assert.equal(reads(), readsByRotation, 'no read before the bound');
  assert.equal(keys.signingKey('ES256').kid, before);
  t.mock.timers.tick(1);
  assert.equal(reads(), readsByRotation + 1, 'the timer reads once');
  for (let turn = 0; turn < 100 && keys.signingKey('ES256').kid === before; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(keys.signingKey('ES256').kid, rotation!.current.kid, 'and uses what it read');
  assert.ok(keys.jwks().keys.some((k) => k.kid === rotation!.next.kid));
  t.mock.timers.tick(60_000);
  assert.equal(reads(), readsByRotation + 2, 'and again, every cache_ttl');
});

test('reload reads what the store holds when it is called, even while another read is in flight', async (t) => {
  const { store, keys, reads, listing } = await ring(t);
  const stale = await store.keys.listSigningKeys();
  let release = () => {};
  // The read in flight has what the store held before the rotation, and is held until the rotation is done.
  listing.mockImplementationOnce(() => new Promise((resolve) => { release = () => resolve(stale); }));
  const inFlight = keys.reload();
  const rotation = await rotateSigningKeys(store, 'ES256', T);
  const readsBefore = reads();
  const [after, alsoAfter] = [keys.reload(), keys.reload()];
  assert.equal(after, alsoAfter, 'callers arriving together share the queued read');
  release();
  await Promise.all([inFlight, after]);
  assert.equal(reads(), readsBefore + 1, 'one more read, after the one in flight');
  assert.equal(keys.signingKey('ES256').kid, rotation!.current.kid);
});

test('an unknown kid reloads at most once per interval; a known or revoked kid never does', async (t) => {
  const { store, keys, reads, advance } = await ring(t);
  const current = keys.signingKey('ES256').kid;
  assert.ok(await keys.verificationKey(current));
  assert.equal(await keys.verificationKey(undefined), undefined);
  assert.equal(reads(), 0);

  assert.equal(await keys.verificationKey('made-up'), undefined);
  assert.equal(reads(), 1);
  assert.equal(await keys.verificationKey('made-up-too'), undefined);
  advance(UNKNOWN_KID_RELOAD_INTERVAL - 1);
  assert.equal(await keys.verificationKey('made-up'), undefined);
  assert.equal(reads(), 1, 'not again within the interval');

  // Three rotations: the second one promotes a key this ring never loaded, and the third retires it; then it is revoked.
  await rotateSigningKeys(store, 'ES256', T);
  const unseen = (await rotateSigningKeys(store, 'ES256', T))!.current.kid;
  await rotateSigningKeys(store, 'ES256', T);
  await store.keys.revokeSigningKey(unseen, T);
  advance(1);
  const readsBefore = reads();
  assert.equal(await keys.verificationKey(unseen), undefined, 'unknown: it reloads, and learns that the key is revoked');
  assert.equal(reads(), readsBefore + 1);
  advance(UNKNOWN_KID_RELOAD_INTERVAL);
  assert.equal(await keys.verificationKey(unseen), undefined);
  assert.equal(reads(), readsBefore + 1, 'a revoked kid does not reload');
});

test('a failed background reload keeps the keys loaded before and is reported', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const store = openSqlite('sqlite::memory:');
  const failures: unknown[] = [];
  const keys = await KeyRing.open(store, ['ES256'], { now: () => T, cacheTtl: 10, onReloadError: (err) => failures.push(err) });
  t.after(() => keys.close());
  const kid = keys.signingKey('ES256').kid;
  await store.close();
  t.mock.timers.tick(10_000);
  await keys.reload().catch(() => {});
  assert.equal(failures.length, 1);
  assert.equal(keys.signingKey('ES256').kid, kid);
});
