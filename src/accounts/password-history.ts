/**
 * password_policy.history: the hashes a new password is checked against, and remembering the one a change
 * replaces. The store keeps only as many as the policy needs (history − 1, the current hash being the other one).
 */
import type { PasswordPolicy } from '../config/schema.ts';
import type { PasswordHistoryStore } from '../storage/slices/password-history.ts';
import type { UserRecord } from '../model/user.ts';
import { isForeignHash } from './legacy/registry.ts';

/** For checkPassword's `previousHashes`: the current hash first, then replaced ones, newest first. */
export async function recentPasswordHashes(store: PasswordHistoryStore, user: UserRecord, policy: PasswordPolicy): Promise<string[]> {
  if (policy.history === 0) return [];
  return [user.password_hash, ...(await store.listPasswordHistory(user.id, policy.history - 1))];
}

/**
 * After a change of `user`'s password (`user` as it was before): keeps the replaced hash while the policy needs it.
 * An imported hash is not kept: a fast legacy hash would be the easiest thing in the database to crack.
 */
export async function rememberReplacedHash(store: PasswordHistoryStore, user: UserRecord, policy: PasswordPolicy, now: number): Promise<void> {
  if (isForeignHash(user.password_hash)) return;
  await store.addPasswordHistory(user.id, user.password_hash, now, Math.max(policy.history - 1, 0));
}
