/** User rows, the same in every SQL store: the columns a user is kept in, searches, and a new user's `sub`. */
import { randomBytes } from 'node:crypto';
import type { NewUser, UserFilter, UserProfile } from '../model/user.ts';
import { userOrder, userQueryCondition, type SearchDialect } from './user-search-sql.ts';

/** A new `sub`: 128 random bits, opaque and independent of connection and username. */
export function newUserId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Login names are lower-cased here, in JS, so every store matches them alike; metadata is JSON text
 * (PostgreSQL casts it to jsonb); `flag` encodes a boolean as the backend keeps it.
 */
export function profileColumns<F>(user: UserProfile, flag: (value: boolean) => F): Record<string, string | null | F> {
  return {
    username: user.username,
    username_lower: user.username.toLowerCase(),
    email: user.email,
    email_lower: user.email?.toLowerCase() ?? null,
    email_verified: flag(user.email_verified),
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

export function userColumns<F>(user: NewUser, flag: (value: boolean) => F): Record<string, string | null | F> {
  return { connection: user.connection, ...profileColumns(user, flag), password_hash: user.password_hash };
}

/** The fields of a UserProfile, taken from a fuller record. */
export function profileFields(user: UserProfile): UserProfile {
  const { username, email, email_verified, name, given_name, family_name, nickname, picture, blocked, app_metadata, user_metadata } = user;
  return { username, email, email_verified, name, given_name, family_name, nickname, picture, blocked, app_metadata, user_metadata };
}

/**
 * The WHERE clause of a user search and its values; `placeholder(n)` writes the n-th (1-based) parameter in the
 * backend's dialect. Only the filters given become conditions, so each search can use its index.
 */
export function userSearch(filter: UserFilter, placeholder: (n: number) => string, dialect: SearchDialect): { where: string; values: unknown[]; order: string } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return placeholder(values.length);
  };
  const match = (column: string, value: string | undefined) => {
    if (value !== undefined) conditions.push(`${column} = ${param(value)}`);
  };
  match('connection', filter.connection);
  match('username_lower', filter.username?.toLowerCase());
  match('email_lower', filter.email?.toLowerCase());
  // Auth0's q (search_engine=v3), parsed into a tree: every value in it is a parameter (storage/user-search-sql.ts).
  if (filter.query !== undefined) conditions.push(userQueryCondition(filter.query, param, dialect));
  return { where: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, values, order: userOrder(filter.sort) };
}

/** What an import's upsert replaces (Auth0's upsertable fields); username, email, blocked and the password stay. */
export const PROFILE_COLUMNS = ['email_verified', 'name', 'given_name', 'family_name', 'nickname', 'picture', 'app_metadata', 'user_metadata'] as const;
