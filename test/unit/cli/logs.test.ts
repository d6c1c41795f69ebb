import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSince } from '../../../src/cli/logs.ts';
import { UsageError } from '../../../src/cli/io.ts';

const NOW = 1_767_225_600;

test('parseSince: a duration back from now in s, m, h or d', () => {
  assert.equal(parseSince('90s', NOW), NOW - 90);
  assert.equal(parseSince('30m', NOW), NOW - 1800);
  assert.equal(parseSince('12h', NOW), NOW - 43_200);
  assert.equal(parseSince('7d', NOW), NOW - 604_800);
  assert.equal(parseSince('0s', NOW), NOW);
});

test('parseSince: an ISO 8601 date or time, as unix seconds', () => {
  assert.equal(parseSince('2026-01-01T00:00:00Z', NOW), NOW);
  assert.equal(parseSince('2026-01-01T01:00:00+01:00', NOW), NOW);
  assert.equal(parseSince('2026-01-01T00:00:00.999Z', NOW), NOW, 'fractions of a second round down');
  assert.equal(parseSince('2026-01-01', NOW), NOW, 'a date alone is midnight UTC');
});

test('parseSince: anything else is a usage error that names the value', () => {
  for (const bad of ['', 'yesterday', '1h30m', '-5m', '5w', '5 m', '1767225600', '2026-13-45', 'Jan 1 2026', 'm']) {
    assert.throws(() => parseSince(bad, NOW), (err: unknown) => err instanceof UsageError && err.message.includes(`"${bad}"`), JSON.stringify(bad));
  }
});
