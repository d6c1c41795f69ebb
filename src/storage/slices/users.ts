/** Users: accounts by login or id, profile and metadata changes, conditional password writes, batch import. */
import type { ImportedUser, MetadataPatch, ImportedNewUser, NewUser, UserFilter, UserProfile, UserRecord } from '../../model/user.ts';

export interface UserStore {
  /** Case-insensitive lookup by username, then by email, within one connection. */
  findUserByLogin(connection: string, login: string): Promise<UserRecord | undefined>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Throws ConflictError when the username or email is taken in that connection. */
  createUser(user: NewUser, now: number): Promise<UserRecord>;
  /** Replaces every field but id and created_at (password_leaked_at as given: null when the hash changes). */
  updateUser(user: UserRecord, now: number): Promise<void>;
  /**
   * Conditional write: replaces the hash only if it is still `expected` (lazy rehash must not undo a password change),
   * and clears password_leaked_at with it.
   */
  replacePasswordHash(id: string, expected: string, replacement: string, now: number): Promise<boolean>;
  /**
   * Sets password_leaked_at, only while the hash is still `passwordHash` (a password changed meanwhile is not the one
   * found) and the flag is not set yet; true when this call set it, so the first detection alone notifies.
   */
  markPasswordLeaked(id: string, passwordHash: string, now: number): Promise<boolean>;
  /** Ordered by connection, then username. */
  listUsers(filter: UserFilter & { limit: number; offset: number }): Promise<UserRecord[]>;
  countUsers(filter: UserFilter): Promise<number>;
  /**
   * Replaces the profile only, never the password hash, so it cannot undo a concurrent password change. False when
   * there is no such user; ConflictError when the username or email is taken in its connection.
   */
  updateProfile(id: string, profile: UserProfile, now: number): Promise<boolean>;
  /**
   * Sets top-level app_metadata / user_metadata keys (null removes one) in one atomic write, so a concurrent change
   * to other keys or to the profile survives. False when there is no such user.
   */
  patchMetadata(id: string, patch: MetadataPatch, now: number): Promise<boolean>;
  /** False when there was no such user. */
  deleteUser(id: string): Promise<boolean>;
  /**
   * Creates `users` in order, in one transaction. One whose username or email is taken in its connection (by a
   * stored user or an earlier one of the batch) is a conflict; with `upsert`, when exactly one user holds them,
   * that user's profile (PROFILE_COLUMNS in ../users.ts) is replaced instead: never its username, email, blocked
   * flag or password hash.
   */
  /** A user's own id is kept when given; one already taken is a conflict, as a taken username is. */
  importUsers(users: ImportedNewUser[], now: number, options: { upsert: boolean }): Promise<ImportedUser[]>;
}
