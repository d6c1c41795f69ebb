/** Users: the records of accounts, what an operator may change, and how a batch import answers. */
import type { UserQuery } from '../protocol/user-query.ts';

export type Metadata = Record<string, unknown>;

export interface UserRecord {
  /** The stable, opaque `sub`, unique across connections. */
  id: string;
  connection: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  /**
   * PHC string: argon2id as Tollgate makes it, or a hash imported from another system (bcrypt, argon2i/d,
   * `$pbkdf2-sha256$`, `$scrypt$`, `$sha256$`... see accounts/legacy/), replaced by argon2id at the first successful login.
   */
  password_hash: string;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  nickname: string | null;
  picture: string | null;
  blocked: boolean;
  app_metadata: Metadata;
  user_metadata: Metadata;
  /** Unix seconds. */
  created_at: number;
  updated_at: number;
  /**
   * Unix seconds when breached password detection found the current password in the list of leaked passwords; null
   * otherwise. A new password hash clears it (replacePasswordHash), so it always speaks of the password in use.
   */
  password_leaked_at: number | null;
}

export type NewUser = Omit<UserRecord, 'id' | 'created_at' | 'updated_at' | 'password_leaked_at'>;

/** A user an import brings, with the id it had where it came from when that id is kept (an `auth0|` export's). */
export type ImportedNewUser = NewUser & { id?: string };

/** What an operator may change about a user: everything but the id, the connection, the password and the times. */
export type UserProfile = Omit<NewUser, 'connection' | 'password_hash'>;

/** Exact matches, each optional; username and email case-insensitively. */
export interface UserFilter {
  connection?: string;
  username?: string;
  email?: string;
  /** Auth0's user search query, parsed (protocol/user-query.ts). */
  query?: UserQuery;
  /** Auth0's sort=field:1|-1; without it, by connection and username. */
  sort?: { field: string; descending: boolean };
}

export interface MetadataPatch {
  app_metadata?: Metadata;
  user_metadata?: Metadata;
}

/** `metadata` with `patch`'s top-level keys set, and those patched to null removed (nested objects are replaced, not merged). */
export function patchedMetadata(metadata: Metadata, patch: Metadata | undefined): Metadata {
  const result = { ...metadata };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete result[key];
    else result[key] = value;
  }
  return result;
}

/** What a batch import did with each user, in the order given. */
export type ImportedUser =
  | { outcome: 'created'; id: string }
  /** Upsert: the profile was replaced; `password_hash` is the hash the user still has, for a conditional replacePasswordHash. */
  | { outcome: 'updated'; id: string; password_hash: string }
  | { outcome: 'conflict' };
