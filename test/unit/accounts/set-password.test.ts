/** setPassword: the one path every new password takes, and what a password change ends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { argon2Hasher } from '../../../src/accounts/passwords.ts';
import { setPassword, type PasswordDeps } from '../../../src/accounts/set-password.ts';
import { policyChecks } from '../../../src/accounts/password-policy.ts';
import { passwordPolicySchema } from '../../../src/config/schema.ts';
import { PasswordPolicyError } from '../../../src/errors/management.ts';
import { AuditLog } from '../../../src/events/audit.ts';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';
import type { NewUser } from '../../../src/model/user.ts';
import type { Store } from '../../../src/storage/store.ts';
import { FamilyRevocation } from '../../../src/tokens/family-revocation.ts';
import { sessionIdOf } from '../../../src/tokens/refresh.ts';

const T = 1_767_225_600;
const hasher = argon2Hasher({ memory_cost: 64, time_cost: 1, parallelism: 1 });

async function setUp(t: { after(fn: () => Promise<void>): void }, revokeRefreshTokens = true) {
  const store = openSqlite('sqlite::memory:');
  t.after(() => store.close());
  const user: NewUser = {
    connection: 'customers', username: 'Alice', email: null, email_verified: false, password_hash: await hasher.hash('old-password'),
    name: null, given_name: null, family_name: null, nickname: null, picture: null, blocked: false, app_metadata: {}, user_metadata: {},
  };
  const alice = await store.users.createUser(user, T);
  const audit = new AuditLog({ store: store.events, log: pino({ enabled: false }), now: () => T });
  const deps: PasswordDeps = {
    users: store.users, history: store.passwordHistory, families: new FamilyRevocation({ store, accessTokenTtl: 600, now: () => T + 1 }), attempts: store.attempts, hasher, audit,
    revokeRefreshTokens, now: () => T + 1,
    policyOf: () => passwordPolicySchema.parse({ min_length: 8, strength: 'none', history: 2 }), checks: policyChecks(hasher),
  };
  return { store, alice, deps };
}

async function withRefreshTokenAndBlock(store: Store, userId: string): Promise<void> {
  await store.refreshFamilies.createRefreshFamily({
    selector: 's', family_id: 'f', generation: 0, token_hashes: ['h0'], previous_hashes: [], rotated_at: null, client_id: 'web', user_id: userId,
    connection: 'customers', scope: ['openid'], audience: null, auth_time: T, amr: ['pwd'], created_at: T, family_expires_at: T + 1000,
    idle_expires_at: T + 1000, revoked_at: null, cnf: null, device: null,
  });
  await store.attempts.addLoginFailure({ connection: 'customers', username: 'alice', ip: '203.0.113.9' }, T, 1, null);
}

test('setPassword stores a new argon2id hash, revokes refresh tokens and their access tokens, and ends blocks with a password_change event', async (t) => {
  const { store, alice, deps } = await setUp(t);
  await withRefreshTokenAndBlock(store, alice.id);
  const fromFamily = { jti: 'j1', sid: sessionIdOf('f') };
  assert.equal(await store.denylist.isAccessTokenDenied(fromFamily), false);
  assert.equal((await setPassword(deps, alice.id, 'new-password'))?.id, alice.id);
  const stored = await store.users.getUser(alice.id);
  assert.ok(await hasher.verify(stored!.password_hash, 'new-password'));
  assert.equal(stored!.updated_at, T + 1);
  assert.equal((await store.refreshFamilies.findRefreshFamily('s'))?.revoked_at, T + 1);
  assert.equal(await store.denylist.isAccessTokenDenied(fromFamily), true, 'RFC 7009 §2.1: the family\'s access tokens go too');
  assert.deepEqual(await store.attempts.listLoginBlocks({}, T), []);
  const [event] = await store.events.listEvents({ type: 'brute_force.unblocked', limit: 5 });
  assert.deepEqual([event?.reason, event?.username, event?.user_id], ['password_change', 'alice', alice.id]);
});

test('setPassword keeps refresh tokens when tokens.revoke_refresh_on_password_change is off; an unknown user is undefined', async (t) => {
  const { store, alice, deps } = await setUp(t, false);
  await withRefreshTokenAndBlock(store, alice.id);
  await setPassword(deps, alice.id, 'new-password');
  assert.equal((await store.refreshFamilies.findRefreshFamily('s'))?.revoked_at, null);
  assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'j1', sid: sessionIdOf('f') }), false);
  assert.deepEqual(await store.attempts.listLoginBlocks({}, T), [], 'blocks end either way');
  assert.equal(await setPassword(deps, 'nobody', 'new-password'), undefined);
});

test('setPassword retries when a login rehashed the old password in between, so the new password wins', async (t) => {
  const { store, alice, deps } = await setUp(t);
  let raced = false;
  const users: PasswordDeps['users'] = { getUser: (id) => store.users.getUser(id), async replacePasswordHash(id, expected, replacement, now) {
    if (!raced) {
      raced = true;
      await store.users.replacePasswordHash(id, expected, await hasher.hash('old-password'), now);
    }
    return store.users.replacePasswordHash(id, expected, replacement, now);
  } };
  await setPassword({ ...deps, users }, alice.id, 'new-password');
  assert.ok(raced);
  assert.ok(await hasher.verify((await store.users.getUser(alice.id))!.password_hash, 'new-password'));
});

test('setPassword asks the connection\'s password policy first: a refused password (here: the current one, history 2) changes nothing', async (t) => {
  const { store, alice, deps } = await setUp(t);
  await assert.rejects(setPassword(deps, alice.id, 'short'), (err) => err instanceof PasswordPolicyError && /password_policy\.min_length/.test(err.description));
  await assert.rejects(setPassword(deps, alice.id, 'old-password'), (err) => err instanceof PasswordPolicyError && /password_policy\.history/.test(err.description));
  assert.equal((await store.users.getUser(alice.id))!.password_hash, alice.password_hash);
  await setPassword(deps, alice.id, 'new-password');
  await assert.rejects(setPassword(deps, alice.id, 'old-password'), PasswordPolicyError, 'the replaced hash is remembered for history');
  await setPassword(deps, alice.id, 'third-password');
  await setPassword(deps, alice.id, 'old-password');
});
