import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Accounts } from '../../../src/accounts/authenticate.ts';
import { argon2Hasher, countingHasher, decoyHash } from '../../../src/accounts/passwords.ts';
import type { UserRecord } from '../../../src/model/user.ts';
import type { UserStore } from '../../../src/storage/slices/users.ts';

const NOW = 1_767_225_600;
const sha256Of = (password: string) => `$sha256$pos=prefix$$${createHash('sha256').update(password).digest('base64').replace(/=+$/, '')}`;

function user(password_hash: string): UserRecord {
  return {
    id: 'u1', connection: 'customers', username: 'carol', email: null, email_verified: false, password_hash, name: null, given_name: null,
    family_name: null, nickname: null, picture: null, blocked: false, app_metadata: {}, user_metadata: {}, created_at: NOW, updated_at: NOW,
    password_leaked_at: null,
  };
}

/** Accounts over one user whose hash replacePasswordHash changes only while it is still `expected`. */
async function accountsWith(stored: UserRecord) {
  const hasher = countingHasher(argon2Hasher({ memory_cost: 64, time_cost: 1, parallelism: 1 }));
  const replaced: [string, string][] = [];
  const users = {
    replacePasswordHash: async (_id: string, expected: string, replacement: string) => {
      if (stored.password_hash !== expected) return false;
      replaced.push([expected, replacement]);
      stored.password_hash = replacement;
      return true;
    },
  } as Partial<UserStore> as UserStore;
  const accounts = new Accounts({ users, hasher, decoy: await decoyHash(hasher), now: () => NOW });
  return { accounts, hasher, replaced };
}

test('a legacy hash costs the decoy verification as well, so it is never quicker to reject than an unknown user', async () => {
  const { accounts, hasher } = await accountsWith(user(sha256Of('old-password')));
  for (const [who, password, outcome, cost] of [[undefined, 'x', 'unknown_user', 1], [user(sha256Of('old-password')), 'wrong', 'wrong_password', 2]] as const) {
    const before = hasher.verifications;
    assert.equal((await accounts.verify(who, password)).outcome, outcome);
    assert.equal(hasher.verifications - before, cost);
  }
  const current = user(await hasher.hash('pw'));
  const before = hasher.verifications;
  assert.equal((await accounts.verify(current, 'wrong')).outcome, 'wrong_password');
  assert.equal(hasher.verifications - before, 1, 'a current hash costs one verification, as before');
});

test('the first successful login replaces a legacy hash with argon2id, conditionally on the hash it read', async () => {
  const stored = user(sha256Of('old-password'));
  const { accounts, hasher, replaced } = await accountsWith(stored);
  assert.equal((await accounts.verify({ ...stored }, 'old-password')).outcome, 'ok');
  assert.equal(replaced.length, 1);
  assert.equal(replaced[0]![0], sha256Of('old-password'), 'expected: the legacy hash the login verified');
  assert.match(stored.password_hash, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
  assert.equal(await hasher.verify(stored.password_hash, 'old-password'), true);
  // A login that read the legacy hash before someone changed the password must not undo the change.
  const stale = user(sha256Of('old-password'));
  stored.password_hash = await hasher.hash('changed-meanwhile');
  assert.equal((await accounts.verify(stale, 'old-password')).outcome, 'ok');
  assert.equal(await hasher.verify(stored.password_hash, 'changed-meanwhile'), true);
  assert.equal(replaced.length, 1);
});
