/** The SQLite purge of refresh-token families: a slice of the table at a time, with the event loop free between slices. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';
import type { RefreshFamilyRecord } from '../../../src/model/tokens.ts';
import { refreshFamily } from '../../helpers/records.ts';

const T = 1_767_225_600;
const FAMILIES = 2_500;

function family(i: number, overrides: Partial<RefreshFamilyRecord> = {}): RefreshFamilyRecord {
  return refreshFamily({
    selector: `s${String(i).padStart(5, '0')}`, family_id: `f${i}`, token_hashes: [`h${i}`], scope: ['offline_access'], ...overrides,
  });
}

/** Every third family has ended, one way or another, spread over the whole key range. */
function ended(i: number): Partial<RefreshFamilyRecord> | undefined {
  if (i % 3 !== 0) return undefined;
  return [{ family_expires_at: T + 10 }, { idle_expires_at: T + 10 }, { revoked_at: T }][i % 9 / 3]!;
}

test('SQLite purge: ended families across many slices all go, live ones all stay, and requests are served between slices', async (t) => {
  const store = openSqlite('sqlite::memory:');
  t.after(() => store.close());
  for (let i = 0; i < FAMILIES; i++) await store.refreshFamilies.createRefreshFamily(family(i, ended(i)));

  let done = false;
  let servedDuringPurge = false;
  const purging = store.purge(T + 20).finally(() => { done = true; });
  setImmediate(() => { servedDuringPurge = !done; });
  const endedCount = Array.from({ length: FAMILIES }, (_, i) => i).filter((i) => ended(i)).length;
  assert.equal(await purging, endedCount);
  assert.ok(servedDuringPurge, 'the event loop turned before the purge finished');
  for (const i of [0, 1, 2, 3, 999, 1000, 1001, 2497, 2498, 2499]) {
    assert.equal((await store.refreshFamilies.findRefreshFamily(family(i).selector)) === undefined, ended(i) !== undefined, `family ${i}`);
  }
  assert.equal(await store.purge(T + 20), 0, 'nothing left to purge');
});

test('SQLite purge: closing the store stops a purge between slices, without an error', async () => {
  const store = openSqlite('sqlite::memory:');
  for (let i = 0; i < FAMILIES; i++) await store.refreshFamilies.createRefreshFamily(family(i, { revoked_at: T }));
  const purging = store.purge(T + 20);
  // A shutdown arrives as its own event (a signal, a timer), so it can only come between two slices.
  await new Promise((resolve) => setImmediate(resolve));
  await store.close();
  const purged = await purging;
  assert.ok(purged > 0 && purged < FAMILIES, `it stopped after a slice and before the last one (${purged})`);
});
