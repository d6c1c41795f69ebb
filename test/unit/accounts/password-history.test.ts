import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argon2Hasher } from '../../../src/accounts/passwords.ts';
import { checkPassword } from '../../../src/accounts/password-policy.ts';
import { recentPasswordHashes, rememberReplacedHash } from '../../../src/accounts/password-history.ts';
import { passwordPolicySchema } from '../../../src/config/schema.ts';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';

const T = 1_767_225_600;
const hasher = argon2Hasher({ memory_cost: 64, time_cost: 1, parallelism: 1 });

test('history 3: a change remembers the replaced hash, and the current plus two replaced ones are refused', async (t) => {
  const store = openSqlite('sqlite::memory:');
  t.after(() => store.close());
  const policy = passwordPolicySchema.parse({ history: 3, strength: 'none' });
  let user = await store.users.createUser({
    connection: 'c', username: 'jo', email: null, email_verified: false, password_hash: await hasher.hash('pass-one-1'), name: null,
    given_name: null, family_name: null, nickname: null, picture: null, blocked: false, app_metadata: {}, user_metadata: {},
  }, T);
  // What a password change does: check, remember the replaced hash, store the new one.
  for (const next of ['pass-two-2', 'pass-three-3', 'pass-four-4']) {
    const previousHashes = await recentPasswordHashes(store.passwordHistory, user, policy);
    assert.deepEqual(await checkPassword(policy, next, { ...user, previousHashes }, { verify: hasher.verify, score: async () => 4 }), { ok: true });
    await rememberReplacedHash(store.passwordHistory, user, policy, T);
    user = { ...user, password_hash: await hasher.hash(next) };
  }
  const previousHashes = await recentPasswordHashes(store.passwordHistory, user, policy);
  assert.equal(previousHashes.length, 3);
  assert.equal((await store.passwordHistory.listPasswordHistory(user.id, 24)).length, 2, 'only history − 1 replaced hashes are kept');
  const check = (password: string) => checkPassword(policy, password, { ...user, previousHashes }, { verify: hasher.verify, score: async () => 4 });
  for (const reused of ['pass-four-4', 'pass-three-3', 'pass-two-2']) assert.equal((await check(reused)).ok, false, reused);
  assert.equal((await check('pass-one-1')).ok, true, 'four passwords back is allowed');
  assert.deepEqual(await recentPasswordHashes(store.passwordHistory, user, { ...policy, history: 0 }), []);
});

test('an imported (foreign) hash is never remembered; history 0 remembers nothing', async (t) => {
  const store = openSqlite('sqlite::memory:');
  t.after(() => store.close());
  const user = await store.users.createUser({
    connection: 'c', username: 'kim', email: null, email_verified: false, password_hash: '$2b$04$16RF6P/kOOJExyUTk6Rs8.wakGZn2XiGpCCm0HvKGAfrDf1wJS/.W', name: null,
    given_name: null, family_name: null, nickname: null, picture: null, blocked: false, app_metadata: {}, user_metadata: {},
  }, T);
  await rememberReplacedHash(store.passwordHistory, user, passwordPolicySchema.parse({ history: 5 }), T);
  await rememberReplacedHash(store.passwordHistory, { ...user, password_hash: await hasher.hash('x-1') }, passwordPolicySchema.parse({ history: 0 }), T);
  assert.deepEqual(await store.passwordHistory.listPasswordHistory(user.id, 24), []);
});
