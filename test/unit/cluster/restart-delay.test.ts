import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartDelay } from '../../../src/cluster/primary.ts';
import { threadPoolSize, workerCount } from '../../../src/cluster/thread-pool.ts';

test('a worker that keeps dying soon after its start is restarted further apart each time, up to 30 s; a healthy run starts over', () => {
  let crashes = 0;
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    const next = restartDelay(crashes, 500);
    crashes = next.crashes;
    delays.push(next.delay);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000]);
  assert.deepEqual(restartDelay(crashes, 10_000), { crashes: 1, delay: 100 }, 'it had run 10 s: healthy');
});

test('workers: auto is one per core on PostgreSQL, one on SQLite; thread_pool_size: auto shares the cores, at least 4, or honours UV_THREADPOOL_SIZE', () => {
  assert.equal(workerCount('auto', 'postgres://db/tollgate', 16), 16);
  assert.equal(workerCount('auto', 'sqlite:./data/tollgate.db', 16), 1);
  assert.equal(workerCount(3, 'sqlite:./data/tollgate.db', 16), 3);
  assert.equal(threadPoolSize('auto', 1, {}, 16), 16);
  assert.equal(threadPoolSize('auto', 2, {}, 16), 8);
  assert.equal(threadPoolSize('auto', 16, {}, 16), 4);
  assert.equal(threadPoolSize('auto', 1, {}, 2), 4);
  assert.equal(threadPoolSize('auto', 1, { UV_THREADPOOL_SIZE: '6' }, 16), 6);
  assert.equal(threadPoolSize(3, 1, { UV_THREADPOOL_SIZE: '6' }, 16), 3);
});
