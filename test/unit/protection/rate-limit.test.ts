import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRateCounter, RequestRateLimit, type RateBucket } from '../../../src/protection/rate-limit.ts';
import { IpList } from '../../../src/protection/ip-list.ts';
import { TooManyRequestsError } from '../../../src/errors/oauth.ts';

/** A limiter on a frozen clock, recording the IPs it reports. */
function limiter(requestsPerSecond: number, burst: number, allowlist: string[] = []) {
  const clock = { now: 1_767_225_600 };
  const limited: string[] = [];
  const counter = new MemoryRateCounter(() => clock.now);
  const rl = new RequestRateLimit({
    counter, policy: { requestsPerSecond, burst }, allowlist: new IpList(allowlist),
    onLimited: (bucket: RateBucket) => limited.push('ip' in bucket ? bucket.ip : `client ${bucket.clientId}`),
  });
  /** The Retry-After of a refused request, or 0 when it was allowed. */
  const take = async (ip = '198.51.100.1', buckets: RateBucket[] = [{ ip }]): Promise<number> => {
    try {
      await rl.take(buckets);
      return 0;
    } catch (err) {
      assert.ok(err instanceof TooManyRequestsError);
      assert.equal(err.status, 429);
      return Number(err.headers['retry-after']);
    }
  };
  return { take, clock, limited };
}

test('rate limit: a burst at one instant, then 429 with Retry-After until the refill', async () => {
  const { take, clock } = limiter(1, 3);
  assert.deepEqual([await take(), await take(), await take()], [0, 0, 0]);
  assert.equal(await take(), 1);
  assert.equal(await take(), 1);
  clock.now += 1;
  assert.equal(await take(), 0);
  assert.equal(await take(), 1);
  clock.now += 10;
  assert.deepEqual([await take(), await take(), await take(), await take()], [0, 0, 0, 1], 'idle time refills up to the burst, no further');
});

test('rate limit: Retry-After rounds a partial token up to whole seconds', async () => {
  const { take, clock } = limiter(1, 1);
  assert.equal(await take(), 0);
  assert.equal(await take(), 1);
  clock.now += 0.5;
  assert.equal(await take(), 1, 'half a token: one more second at most');
  clock.now += 0.5;
  assert.equal(await take(), 0);
});

test('rate limit: IPs are independent; allowlisted IPs and ranges are never limited', async () => {
  const { take } = limiter(1, 2, ['192.0.2.0/24']);
  assert.deepEqual([await take('198.51.100.1'), await take('198.51.100.1'), await take('198.51.100.1')], [0, 0, 1]);
  assert.deepEqual([await take('198.51.100.2'), await take('198.51.100.2')], [0, 0]);
  for (let i = 0; i < 100; i++) assert.equal(await take('192.0.2.77'), 0);
  for (let i = 0; i < 100; i++) assert.equal(await take('::ffff:192.0.2.78'), 0);
});

test('rate limit: onLimited is told once each time an IP runs dry, not on every refused request', async () => {
  const { take, clock, limited } = limiter(1, 2);
  await take(); await take();
  for (let i = 0; i < 5; i++) await take();
  assert.deepEqual(limited, ['198.51.100.1']);
  clock.now += 0.5;
  await take();
  assert.equal(limited.length, 1, 'still dry after a partial refill');
  clock.now += 0.5;
  assert.equal(await take(), 0);
  assert.equal(await take(), 1);
  assert.deepEqual(limited, ['198.51.100.1', '198.51.100.1'], 'ran dry a second time');
  await take('198.51.100.9'); await take('198.51.100.9'); await take('198.51.100.9');
  assert.deepEqual(limited, ['198.51.100.1', '198.51.100.1', '198.51.100.9']);
});

test('rate limit: pruning past 10,000 tracked IPs drops only full buckets, never a drained one', async () => {
  const { take, clock } = limiter(1, 2);
  await take('victim'); await take('victim');
  for (let i = 0; i < 9_999; i++) await take(`ip-${i}`);
  clock.now += 1;
  await take('newcomer');
  assert.equal(await take('victim'), 0, 'one token refilled');
  assert.equal(await take('victim'), 1, 'only one: the drained bucket survived the prune');
});
