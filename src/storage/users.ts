/** User rows, the same in every SQL store: the columns a user is kept in, and a new user's `sub`. */
import { randomBytes } from 'node:crypto';
import type { NewUser } from './interfaces.ts';

/** A new `sub`: 128 random bits, opaque and independent of connection and username. */
export function newUserId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Login names are lower-cased here, in JS, so every store matches them alike; metadata is JSON text
 * (PostgreSQL casts it to jsonb); `flag` encodes a boolean as the backend keeps it.
 */
export function userColumns<F>(user: NewUser, flag: (value: boolean) => F): Record<string, string | null | F> {
  return {
    connection: user.connection,
    username: user.username,
    username_lower: user.username.toLowerCase(),
    email: user.email,
    email_lower: user.email?.toLowerCase() ?? null,
    email_verified: flag(user.email_verified),
    password_hash: user.password_hash,
    name: user.name,
    given_name: user.given_name,
    family_name: user.family_name,
    nickname: user.nickname,
    picture: user.picture,
    blocked: flag(user.blocked),
    app_metadata: JSON.stringify(user.app_metadata),
    user_metadata: JSON.stringify(user.user_metadata),
  };
}

/** What an import's upsert replaces (Auth0's upsertable fields); username, email, blocked and the password stay. */
export const PROFILE_COLUMNS = ['email_verified', 'name', 'given_name', 'family_name', 'nickname', 'picture', 'app_metadata', 'user_metadata'] as const;
