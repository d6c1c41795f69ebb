import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPassword, describeRefusal, policyChecks, policyOf, type PolicyChecks } from '../../../src/accounts/password-policy.ts';
import { argon2Hasher } from '../../../src/accounts/passwords.ts';
import { zxcvbnScorer } from '../../../src/accounts/password-strength.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/config/load.ts';
import { passwordPolicySchema, type PasswordPolicy } from '../../../src/config/schema.ts';

const policy = (overrides: Partial<PasswordPolicy> = {}): PasswordPolicy => ({ ...passwordPolicySchema.parse({}), ...overrides });
const owner = { username: 'carol', email: 'c.jones@example.com' };
/** Strength is not under test here: every password scores 4 unless `score` says otherwise. */
const checks = (score = 4): PolicyChecks => ({ verify: async () => false, score: async () => score });

test('defaults: at least 8 and at most 128 characters, "fair" strength, no personal information, no history', () => {
  assert.deepEqual(passwordPolicySchema.parse({}), { min_length: 8, max_length: 128, strength: 'fair', history: 0, no_personal_info: true });
  assert.deepEqual(policyOf(parseConfig({}), 'Username-Password-Authentication'), passwordPolicySchema.parse({}));
  const config = parseConfig({ connections: [{ name: 'a', password_policy: { min_length: 12 } }] });
  assert.equal(policyOf(config, 'a').min_length, 12);
});

test('length counts characters (code points), not bytes or UTF-16 units', async () => {
  assert.deepEqual(await checkPassword(policy(), 'seven77', owner, checks()), { ok: false, rule: 'min_length', message: 'must be at least 8 characters' });
  assert.deepEqual(await checkPassword(policy(), 'eight888', owner, checks()), { ok: true });
  assert.equal((await checkPassword(policy({ min_length: 4 }), '😀😀😀', owner, checks())).ok, false, 'three emoji are three characters, six UTF-16 units');
  assert.equal((await checkPassword(policy({ min_length: 4, max_length: 4 }), 'ééé😀', owner, checks())).ok, true);
  assert.deepEqual(await checkPassword(policy({ max_length: 10 }), 'x'.repeat(11), owner, checks()), { ok: false, rule: 'max_length', message: 'must be at most 10 characters' });
});

test('no_personal_info: the username, the email and its local part, case-insensitively, if 3 characters or more', async () => {
  for (const password of ['xxCAROLxx-9', 'C.Jones-2024!', 'mail c.jones@example.com']) {
    assert.deepEqual(await checkPassword(policy(), password, owner, checks()), { ok: false, rule: 'no_personal_info', message: 'must not contain the username or email address' }, password);
  }
  assert.equal((await checkPassword(policy({ no_personal_info: false }), 'xxCAROLxx-9', owner, checks())).ok, true);
  assert.equal((await checkPassword(policy(), 'jo-ab-xyzw', { username: 'jo', email: 'ab@x.io' }, checks())).ok, true, 'parts under 3 characters are not checked');
  assert.equal((await checkPassword(policy(), 'x.io-password-9', { username: 'zz', email: null }, checks())).ok, true);
});

test('strength: each level needs its zxcvbn score, and the user\'s names are passed as guessable words', async () => {
  const levels = ['low', 'fair', 'good', 'excellent'] as const;
  for (const [i, strength] of levels.entries()) {
    assert.equal((await checkPassword(policy({ strength }), 'whatever-12', owner, checks(i + 1))).ok, true, `${strength} accepts score ${i + 1}`);
    assert.deepEqual(await checkPassword(policy({ strength }), 'whatever-12', owner, checks(i)),
      { ok: false, rule: 'strength', message: `is too easy to guess (at least "${strength}" strength is required)` });
  }
  let inputs: readonly string[] = [];
  await checkPassword(policy({ no_personal_info: false }), 'whatever-12', owner, { verify: async () => false, score: async (_p, given) => { inputs = given; return 4; } });
  assert.deepEqual(inputs, ['carol', 'c.jones@example.com', 'c.jones']);
  assert.equal((await checkPassword(policy({ strength: 'none' }), 'password', owner, checks(0))).ok, true, 'none asks no score');
});

test('strength with zxcvbn-ts: common passwords and keyboard walks fail "fair"; a passphrase passes "excellent"', async () => {
  const real: PolicyChecks = { verify: async () => false, score: zxcvbnScorer() };
  for (const weak of ['password', '12345678', 'qwertyuiop', 'iloveyou1']) {
    assert.equal((await checkPassword(policy(), weak, owner, real)).ok, false, weak);
  }
  assert.equal((await checkPassword(policy({ strength: 'excellent' }), 'correct horse battery staple', owner, real)).ok, true);
  assert.equal((await checkPassword(policy({ strength: 'excellent', no_personal_info: false }), 'carolcarol1', owner, real)).ok, false, 'the username counts as a dictionary word');
});

test('history: the new password may not verify against any of the last N hashes (current first); N = 0 checks none', async () => {
  const hasher = argon2Hasher({ memory_cost: 64, time_cost: 1, parallelism: 1 });
  const previousHashes = await Promise.all(['first-secret-1', 'second-secret-2', 'third-secret-3'].map((p) => hasher.hash(p)));
  const real = { ...policyChecks(hasher), score: async () => 4 };
  const history = (n: number, password: string) => checkPassword(policy({ history: n }), password, { ...owner, previousHashes }, real);
  assert.deepEqual(await history(3, 'third-secret-3'), { ok: false, rule: 'history', message: 'must not be one of the last 3 passwords' });
  assert.equal((await history(2, 'third-secret-3')).ok, true, 'only the N most recent count');
  assert.deepEqual(await history(1, 'first-secret-1'), { ok: false, rule: 'history', message: 'must differ from the current password' });
  assert.equal((await history(0, 'first-secret-1')).ok, true);
  assert.equal((await history(3, 'fourth-secret-4')).ok, true);
});

test('describeRefusal names the configuration key of the rule that failed', () => {
  assert.equal(describeRefusal({ ok: false, rule: 'min_length', message: 'must be at least 8 characters' }), 'password: must be at least 8 characters (password_policy.min_length)');
});

test('configuration: min_length above max_length, an unknown strength and history beyond 24 are errors with key paths', () => {
  const invalid = (password_policy: object) => {
    try {
      parseConfig({ connections: [{ name: 'a', password_policy }] });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
    assert.fail('accepted');
  };
  assert.deepEqual(invalid({ min_length: 20, max_length: 10 }), ['connections[0].password_policy: min_length 20 is above max_length 10']);
  assert.match(invalid({ strength: 'strong' })[0]!, /^connections\[0\]\.password_policy\.strength: unknown password strength "strong" \(one of: none, low, fair, good, excellent\)$/);
  assert.match(invalid({ history: 25 })[0]!, /^connections\[0\]\.password_policy\.history: /);
  assert.match(invalid({ max_length: 2000 })[0]!, /^connections\[0\]\.password_policy\.max_length: /);
});
