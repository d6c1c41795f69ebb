/**
 * Every password Tollgate is given to keep passes here: a new user's (management API, CLI) and a changed one. This
 * is the one place a password policy applies; the configuration file's users are synchronised separately.
 */
import type { AuditLog } from '../events/audit.ts';
import { unblockAccount } from '../protection/unblock.ts';
import type { AttemptStore, RefreshTokenStore, UserRecord, UserStore } from '../storage/interfaces.ts';
import type { PasswordHasher } from './passwords.ts';

export interface PasswordDeps {
  users: Pick<UserStore, 'getUser' | 'replacePasswordHash'>;
  refreshTokens: RefreshTokenStore;
  attempts: AttemptStore;
  hasher: PasswordHasher;
  audit?: AuditLog;
  /** tokens.revoke_refresh_on_password_change */
  revokeRefreshTokens: boolean;
  now: () => number;
}

/** The argon2id hash of a password to be stored. */
export async function hashNewPassword(deps: Pick<PasswordDeps, 'hasher'>, password: string): Promise<string> {
  return deps.hasher.hash(password);
}

/**
 * After a password change, what the old password allowed ends: the user's refresh tokens (when
 * tokens.revoke_refresh_on_password_change is set) and brute-force blocks on the account, from every IP.
 */
export async function passwordChanged(deps: Omit<PasswordDeps, 'users' | 'hasher'>, user: UserRecord): Promise<void> {
  if (deps.revokeRefreshTokens) await deps.refreshTokens.revokeUserRefreshTokens(user.id, deps.now());
  await unblockAccount(deps, { connection: user.connection, username: user.username, reason: 'password_change', user_id: user.id });
}

/** How often a password change is retried when a login's lazy rehash replaced the hash in between. */
const ATTEMPTS = 3;

/** Sets the user's password; returns the user as it was, undefined when there is no such user. */
export async function setPassword(deps: PasswordDeps, userId: string, password: string): Promise<UserRecord | undefined> {
  const hash = await hashNewPassword(deps, password);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const user = await deps.users.getUser(userId);
    if (!user) return undefined;
    // Conditional, so a concurrent lazy rehash of the old password cannot overwrite the new one.
    if (await deps.users.replacePasswordHash(user.id, user.password_hash, hash, deps.now())) {
      await passwordChanged(deps, user);
      return user;
    }
  }
  throw new Error(`the password of user ${userId} kept changing while it was being set`);
}
