/**
 * Every password Tollgate is given to keep passes here: a new user's (management API, CLI) and a changed one. This
 * is the one place the connection's password policy and breached password detection's stages apply to them; the configuration file's users are the
 * operator's choice and synchronised separately, and imports check their plain passwords with the same policy.
 */
import type { PasswordPolicy } from '../config/schema.ts';
import { PasswordBreachedError, PasswordPolicyError } from '../errors/management.ts';
import type { PasswordStage } from '../config/breached-schema.ts';
import type { AuditLog } from '../events/audit.ts';
import { unblockAccount } from '../protection/unblock.ts';
import type { AttemptStore } from '../storage/slices/attempts.ts';
import type { PasswordHistoryStore } from '../storage/slices/password-history.ts';
import type { UserRecord } from '../model/user.ts';
import type { UserStore } from '../storage/slices/users.ts';
import type { FamilyRevocation } from '../tokens/family-revocation.ts';
import { recentPasswordHashes, rememberReplacedHash } from './password-history.ts';
import { checkPassword, describeRefusal, type PasswordOwner, type PolicyChecks } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';

export interface PasswordDeps {
  users: Pick<UserStore, 'getUser' | 'replacePasswordHash'>;
  history: PasswordHistoryStore;
  /** Ends the user's refresh-token families and their access tokens. */
  families: Pick<FamilyRevocation, 'revokeUser'>;
  attempts: AttemptStore;
  hasher: PasswordHasher;
  /** connections[].password_policy of a connection (the defaults for one the file does not name). */
  policyOf: (connection: string) => PasswordPolicy;
  checks: PolicyChecks;
  audit?: AuditLog;
  /** tokens.revoke_refresh_on_password_change */
  revokeRefreshTokens: boolean;
  now: () => number;
}

/**
 * The argon2id hash of a password to be stored, once the connection's policy accepts it (PasswordPolicyError: which
 * rule refused it) and breached password detection does not refuse it at this `stage` (PasswordBreachedError).
 */
export async function hashNewPassword(
  deps: Pick<PasswordDeps, 'hasher' | 'policyOf' | 'checks'>, password: string, owner: PasswordOwner & { connection: string; id?: string }, stage: PasswordStage,
): Promise<string> {
  const verdict = await checkPassword(deps.policyOf(owner.connection), password, owner, deps.checks);
  if (!verdict.ok) throw new PasswordPolicyError(describeRefusal(verdict));
  // Last, as the only check that may leave the server (the range API, with 5 hex characters of the SHA-1).
  if (await deps.checks.breached?.refuses(password, stage, owner)) throw new PasswordBreachedError();
  return deps.hasher.hash(password);
}

/**
 * After a password change, what the old password allowed ends: the user's refresh tokens and the access tokens issued
 * from them (when tokens.revoke_refresh_on_password_change is set), and brute-force blocks on the account, from every IP.
 */
export async function passwordChanged(deps: Pick<PasswordDeps, 'families' | 'attempts' | 'audit' | 'revokeRefreshTokens'>, user: UserRecord): Promise<void> {
  if (deps.revokeRefreshTokens) await deps.families.revokeUser(user.id);
  await unblockAccount(deps, { connection: user.connection, username: user.username, reason: 'password_change', user_id: user.id });
}

/** How often a password change is retried when a login's lazy rehash replaced the hash in between. */
const ATTEMPTS = 3;

/** A new password the policy accepted, hashed, ready to replace `user`'s. */
export interface PreparedPassword {
  user: UserRecord;
  hash: string;
  policy: PasswordPolicy;
}

/**
 * Checks a new password for `user` against their connection's policy, its history rule included (the current and
 * recent passwords), and hashes it; nothing is written yet. `user` may carry a username or email about to change,
 * so the personal-information rule sees the new ones.
 */
export async function preparePassword(deps: PasswordDeps, user: UserRecord, password: string): Promise<PreparedPassword> {
  const policy = deps.policyOf(user.connection);
  const owner = { ...user, previousHashes: await recentPasswordHashes(deps.history, user, policy) };
  const hash = await hashNewPassword(deps, password, owner, 'pre-change-password');
  return { user, hash, policy };
}

/** Stores a prepared password; returns the user as it was, undefined when the user is gone. */
export async function storePassword(deps: PasswordDeps, { user: prepared, hash, policy }: PreparedPassword): Promise<UserRecord | undefined> {
  for (let attempt = 0, user = await deps.users.getUser(prepared.id); attempt < ATTEMPTS && user; attempt++, user = await deps.users.getUser(prepared.id)) {
    // Conditional, so a concurrent lazy rehash of the old password cannot overwrite the new one; a rehash keeps the
    // same password, so the policy's answer still holds when we retry.
    if (await deps.users.replacePasswordHash(user.id, user.password_hash, hash, deps.now())) {
      await rememberReplacedHash(deps.history, user, policy, deps.now());
      await passwordChanged(deps, user);
      return user;
    }
  }
  if (!(await deps.users.getUser(prepared.id))) return undefined;
  throw new Error(`the password of user ${prepared.id} kept changing while it was being set`);
}

/** Sets the user's password once the policy accepted it; returns the user as it was, undefined when there is no such user. */
export async function setPassword(deps: PasswordDeps, userId: string, password: string): Promise<UserRecord | undefined> {
  const user = await deps.users.getUser(userId);
  return user && storePassword(deps, await preparePassword(deps, user, password));
}
