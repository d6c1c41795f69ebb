import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketLevel, bucketRetryAfter } from '../../../src/storage/attempts.ts';

const daily = { capacity: 100, refill_per_second: 100 / 86_400 };

test('bucketLevel: a bucket never seen is full; tokens refill linearly, capped at capacity', () => {
  const policy = { capacity: 5, refill_per_second: 0.5 };
  assert.equal(bucketLevel(undefined, 1000, policy), 5);
  assert.equal(bucketLevel({ tokens: 0, updated_at: 1000 }, 1000, policy), 0);
  assert.equal(bucketLevel({ tokens: 0, updated_at: 1000 }, 1003, policy), 1.5);
  assert.equal(bucketLevel({ tokens: 4, updated_at: 1000 }, 1100, policy), 5);
  assert.equal(bucketLevel({ tokens: 2, updated_at: 1000 }, 990, policy), 2, 'a clock that steps back refills nothing, takes nothing');
  assert.equal(bucketLevel({ tokens: 0, updated_at: 0 }, 864, daily), 1, 'per_day 100: one attempt every 864 s');
});

test('bucketRetryAfter: whole seconds until one token, at least 1 (RFC 9110 §10.2.3)', () => {
  assert.equal(bucketRetryAfter(0, { capacity: 5, refill_per_second: 0.5 }), 2);
  assert.equal(bucketRetryAfter(0.5, { capacity: 5, refill_per_second: 0.5 }), 1);
  assert.equal(bucketRetryAfter(0.25, { capacity: 5, refill_per_second: 0.5 }), 2, 'rounded up: 1.5 s');
  assert.equal(bucketRetryAfter(0.999, { capacity: 5, refill_per_second: 1 }), 1);
  assert.equal(bucketRetryAfter(0, { capacity: 5, refill_per_second: 1000 }), 1, 'never 0');
  assert.equal(bucketRetryAfter(0, daily), 864);
});

test('bucketRetryAfter: floating-point noise does not add a second, nor take one away', () => {
  for (let elapsed = 0; elapsed < 864; elapsed++) {
    const level = bucketLevel({ tokens: 0, updated_at: 0 }, elapsed, daily);
    const retry = bucketRetryAfter(level, daily);
    assert.equal(retry, 864 - elapsed, `after ${elapsed} s`);
    assert.ok(bucketLevel({ tokens: 0, updated_at: 0 }, elapsed + retry, daily) >= 1, `a token is there after Retry-After (${elapsed} s)`);
  }
});
