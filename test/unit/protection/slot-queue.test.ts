import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlotQueue, type SlotSource } from '../../../src/protection/slot-queue.ts';
import type { SlotReservation } from '../../../src/model/attempts.ts';

/** A key with `slots` slots, counted here as the store would. */
function fakeKey(slots: number) {
  const state = { free: slots, blocked: false, calls: 0 };
  const source: SlotSource = {
    async reserve(): Promise<SlotReservation> {
      state.calls++;
      if (state.blocked) return { outcome: 'blocked' };
      if (state.free === 0) return { outcome: 'full' };
      state.free--;
      return { outcome: 'reserved' };
    },
    async release() { state.free++; },
  };
  return { state, source };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

test('slot queue: waiters are served in their order of arrival, each when a slot is woken free', async () => {
  const queue = new SlotQueue();
  const { state, source } = fakeKey(1);
  assert.equal(await queue.acquire('k', source, 5000), 'reserved');
  const served: number[] = [];
  const waiting = [0, 1, 2, 3].map((i) => queue.acquire('k', source, 5000).then((outcome) => { served.push(i); return outcome; }));
  for (let i = 0; i < 4; i++) {
    await tick();
    assert.deepEqual(served, Array.from({ length: i }, (_, j) => j), `before release ${i + 1}`);
    state.free++;
    queue.wake('k');
  }
  assert.deepEqual(await Promise.all(waiting), Array(4).fill('reserved'));
  assert.deepEqual(served, [0, 1, 2, 3]);
});

test('slot queue: a newcomer joins the back of the line rather than take a slot before those waiting', async () => {
  const queue = new SlotQueue();
  const { state, source } = fakeKey(0);
  const first = queue.acquire('k', source, 5000);
  await tick();
  state.free = 1;
  const second = queue.acquire('k', source, 5000);
  assert.equal(await first, 'reserved');
  let secondDone = false;
  void second.then(() => { secondDone = true; });
  await tick();
  assert.equal(secondDone, false, 'the second waits for another slot');
  state.free = 1;
  queue.wake('k');
  assert.equal(await second, 'reserved');
});

test('slot queue: a timeout leaves the line; a block refuses everyone in it; store errors reach the waiter', async () => {
  const queue = new SlotQueue();
  const { state, source } = fakeKey(0);
  assert.equal(await queue.acquire('k', source, 50), 'timeout');
  const waiters = [queue.acquire('k', source, 5000), queue.acquire('k', source, 5000)];
  await tick();
  state.blocked = true;
  queue.wake('k');
  assert.deepEqual(await Promise.all(waiters), ['blocked', 'blocked']);
  const failing: SlotSource = { reserve: async () => { throw new Error('store down'); }, release: async () => {} };
  await assert.rejects(queue.acquire('other', failing, 5000), /store down/);
});

test('slot queue: a slot reserved for a waiter that timed out meanwhile is given back', async () => {
  const queue = new SlotQueue();
  let release: () => void = () => {};
  let released = 0;
  let calls = 0;
  const source: SlotSource = {
    reserve: () => (++calls === 1 ? Promise.resolve({ outcome: 'full' as const }) : new Promise((resolve) => { release = () => resolve({ outcome: 'reserved' }); })),
    release: async () => { released++; },
  };
  assert.equal(await queue.acquire('k', source, 30), 'timeout');
  release();
  await tick();
  assert.equal(released, 1);
});
