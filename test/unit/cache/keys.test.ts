import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CacheKeys, globEscape } from '../../../src/cache/keys.ts';
import { rateLimitWindow } from '../../../src/cache/rate-limit.ts';

test('cache keys: parts are URI-encoded under the prefix; the SCAN pattern matches only the prefix', () => {
  const keys = new CacheKeys('tg*1:');
  assert.equal(keys.bucket('ip:2001:db8::1'), 'tg*1:bucket:ip%3A2001%3Adb8%3A%3A1');
  assert.equal(keys.denied('sid:a/b'), 'tg*1:deny:sid%3Aa%2Fb');
  assert.equal(keys.oldFailuresPrefix, 'tg*1:lf:');
  assert.equal(keys.all, 'tg\\*1:*');
  assert.equal(globEscape('[x]\\'), '\\[x\\]\\\\');
  for (const other of [keys.bucket('b'), keys.denied('j'), `${keys.rateLimitPrefix}:1.2.3.4`]) assert.ok(other.startsWith('tg*1:'), other);
});

test('shared rate limit: the window is ceil(burst / requests_per_second) seconds, at least 1', () => {
  assert.equal(rateLimitWindow(100, 200), 2, 'the defaults: 200 per 2 s');
  assert.equal(rateLimitWindow(1, 3), 3);
  assert.equal(rateLimitWindow(3, 10), 4, 'never faster than requests_per_second: 10 per 4 s');
  assert.equal(rateLimitWindow(100, 10), 1, 'a burst below the rate: 10 per second');
});
