/** The nesting limit on JSON from outside, and the walks that must survive any depth (docs/deployment.md#hardening). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../../src/protocol/json-depth.ts';
import { claimValueProblem } from '../../../src/actions/claims.ts';
import { deepFreeze } from '../../../src/storage/configured-cache.ts';
import { auth0UserSchema } from '../../../src/accounts/import/auth0-user.ts';
import { configProblems } from '../../helpers/config.ts';
import { nested } from '../../helpers/json.ts';

test('nestedDeeperThan counts objects and arrays, a scalar as none, and survives a million levels and a cycle', () => {
  assert.equal(nestedDeeperThan(1, 0), false);
  assert.equal(nestedDeeperThan({}, 0), true);
  assert.equal(nestedDeeperThan({ a: 1, b: [] }, 1), true);
  assert.equal(nestedDeeperThan({ a: 1, b: [2, 'x'] }, 2), false);
  assert.equal(nestedDeeperThan(nested(32), 32), false);
  assert.equal(nestedDeeperThan(nested(33), 32), true);
  assert.equal(nestedDeeperThan({ wide: Array.from({ length: 1000 }, () => ({})), deep: nested(40) }, 32), true, 'the deep branch is found beside a wide one');
  assert.equal(nestedDeeperThan(nested(1_000_000), MAX_JSON_DEPTH), true);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.equal(nestedDeeperThan(cycle, MAX_JSON_DEPTH), true);
});

test('an action\'s claim or metadata value may nest 31 levels inside its object, not 32, and a value of any depth is refused without a throw', () => {
  assert.equal(claimValueProblem(nested(MAX_JSON_DEPTH - 1)), undefined);
  assert.match(claimValueProblem(nested(MAX_JSON_DEPTH))!, /at most 31 levels/);
  assert.match(claimValueProblem(nested(100_000), 'metadata value')!, /metadata value may nest at most 31 levels/);
});

test('user metadata nested past 32 levels is refused by the configuration and the import format, naming the field; a deep configuration file is a problem, not a crash', () => {
  const user = (app_metadata: unknown) => ({ connections: [{ name: 'c' }], users: [{ connection: 'c', username: 'u', password: 'p', app_metadata }] });
  assert.deepEqual(configProblems(user(nested(32))), []);
  assert.ok(configProblems(user(nested(33))).some((p) => /users\[0\]\.app_metadata.*32 levels/.test(p)), configProblems(user(nested(33))).join('\n'));
  assert.ok(configProblems(user(nested(50_000))).some((p) => /nests more than/.test(p)));
  const imported = auth0UserSchema.safeParse({ email: 'a@example.com', password: 'p', user_metadata: nested(33) });
  assert.equal(imported.success, false);
  assert.deepEqual(imported.error!.issues[0]!.path, ['user_metadata']);
});

test('deepFreeze freezes every level of a record, however deep, with a stack of its own', () => {
  const record = { a: { b: [{ c: 1 }] }, deep: nested(200_000) };
  deepFreeze(record);
  assert.ok(Object.isFrozen(record) && Object.isFrozen(record.a) && Object.isFrozen(record.a.b) && Object.isFrozen(record.a.b[0]));
  let inner: unknown = record.deep;
  while (inner !== null && typeof inner === 'object') {
    assert.ok(Object.isFrozen(inner));
    inner = Array.isArray(inner) ? inner[0] : (inner as { a: unknown }).a;
  }
});
