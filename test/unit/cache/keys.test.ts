import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CacheKeys, globEscape } from '../../../src/cache/keys.ts';
import { rateLimitWindow } from '../../../src/cache/rate-limit.ts';

test('cache keys: parts are URI-encoded under the prefix and read back; SCAN patterns match only what they name', () => {
  const keys = new CacheKeys('tg*1:');
  const key = { connection: 'customers', username: 'o:brien@example.com', ip: '2001:db8::1' };
  const name = keys.failures(key);
  assert.equal(name, 'tg*1:lf:customers:o%3Abrien%40example.com:2001%3Adb8%3A%3A1');
  assert.deepEqual(keys.failuresKeyOf(name), key);
  assert.equal(keys.failuresKeyOf(keys.bucket('ip:1.2.3.4')), undefined);
  assert.equal(keys.failuresMatching({ connection: 'customers' }), 'tg\\*1:lf:customers:*:*');
  assert.equal(keys.failuresMatching({ username: 'a*b?' }), 'tg\\*1:lf:*:a\\*b%3F:*');
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
