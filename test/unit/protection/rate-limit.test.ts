import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../../src/protection/rate-limit.ts';
import { IpList } from '../../../src/protection/ip-list.ts';
import { TooManyRequestsError } from '../../../src/errors/oauth.ts';

/** A limiter on a frozen clock, recording the IPs it reports. */
function limiter(requestsPerSecond: number, burst: number, allowlist: string[] = []) {
  const clock = { now: 1_767_225_600 };
  const limited: string[] = [];
  const rl = new RateLimiter({ requestsPerSecond, burst, allowlist: new IpList(allowlist), now: () => clock.now, onLimited: (ip) => limited.push(ip) });
  /** The Retry-After of a refused request, or 0 when it was allowed. */
  const take = (ip = '198.51.100.1'): number => {
    try {
      rl.take(ip);
      return 0;
    } catch (err) {
      assert.ok(err instanceof TooManyRequestsError);
      assert.equal(err.status, 429);
      return Number(err.headers['retry-after']);
    }
  };
  return { take, clock, limited };
}

test('rate limit: a burst at one instant, then 429 with Retry-After until the refill', () => {
  const { take, clock } = limiter(1, 3);
  assert.deepEqual([take(), take(), take()], [0, 0, 0]);
  assert.equal(take(), 1);
  assert.equal(take(), 1);
  clock.now += 1;
  assert.equal(take(), 0);
  assert.equal(take(), 1);
  clock.now += 10;
  assert.deepEqual([take(), take(), take(), take()], [0, 0, 0, 1], 'idle time refills up to the burst, no further');
});

test('rate limit: Retry-After rounds a partial token up to whole seconds', () => {
  const { take, clock } = limiter(1, 1);
  assert.equal(take(), 0);
  assert.equal(take(), 1);
  clock.now += 0.5;
  assert.equal(take(), 1, 'half a token: one more second at most');
  clock.now += 0.5;
  assert.equal(take(), 0);
});

test('rate limit: IPs are independent; allowlisted IPs and ranges are never limited', () => {
  const { take } = limiter(1, 2, ['192.0.2.0/24']);
  assert.deepEqual([take('198.51.100.1'), take('198.51.100.1'), take('198.51.100.1')], [0, 0, 1]);
  assert.deepEqual([take('198.51.100.2'), take('198.51.100.2')], [0, 0]);
  for (let i = 0; i < 100; i++) assert.equal(take('192.0.2.77'), 0);
  for (let i = 0; i < 100; i++) assert.equal(take('::ffff:192.0.2.78'), 0);
});

test('rate limit: onLimited is told once each time an IP runs dry, not on every refused request', () => {
  const { take, clock, limited } = limiter(1, 2);
  take(); take();
  for (let i = 0; i < 5; i++) take();
  assert.deepEqual(limited, ['198.51.100.1']);
  clock.now += 0.5;
  take();
  assert.equal(limited.length, 1, 'still dry after a partial refill');
  clock.now += 0.5;
  assert.equal(take(), 0);
  assert.equal(take(), 1);
  assert.deepEqual(limited, ['198.51.100.1', '198.51.100.1'], 'ran dry a second time');
  take('198.51.100.9'); take('198.51.100.9'); take('198.51.100.9');
  assert.deepEqual(limited, ['198.51.100.1', '198.51.100.1', '198.51.100.9']);
});

test('rate limit: pruning past 10,000 tracked IPs drops only full buckets, never a drained one', () => {
  const { take, clock } = limiter(1, 2);
  take('victim'); take('victim');
  for (let i = 0; i < 9_999; i++) take(`ip-${i}`);
  clock.now += 1;
  take('newcomer');
  assert.equal(take('victim'), 0, 'one token refilled');
  assert.equal(take('victim'), 1, 'only one: the drained bucket survived the prune');
});
