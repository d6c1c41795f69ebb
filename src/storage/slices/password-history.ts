/** Hashes of replaced passwords, for password_policy.history; deleted with their user. */
export interface PasswordHistoryStore {
  /** The user's replaced hashes, newest first, at most `limit`. */
  listPasswordHistory(userId: string, limit: number): Promise<string[]>;
  /** Remembers a replaced hash, then keeps only the user's `keep` newest (0 forgets them all). */
  addPasswordHistory(userId: string, passwordHash: string, now: number, keep: number): Promise<void>;
}
