/**
 * One record of Auth0's bulk user import format (a JSON object in the file's array), and the NewUser it becomes.
 * The profile fields are the configuration's own (config/schema.ts userSchema), so both validate alike. Tollgate
 * adds `password`, a plain password checked against the connection's policy and hashed with argon2id.
 */
import { z } from 'zod';
import { userSchema } from '../../config/schema.ts';
import { customPasswordHashSchema } from '../legacy/auth0-shape.ts';

export const auth0UserSchema = userSchema.omit({ connection: true, password_hash: true }).extend({
  username: userSchema.shape.username.optional(),
  /** Auth0's id: `auth0|{id}` keeps {id} as the user's id (import-users.ts); any other is not kept (a new `sub`). */
  user_id: z.string().max(255).optional(),
  /**
   * Auth0's export: the user's identities. Only a database one (provider auth0) can be imported into a connection:
   * a social or enterprise login has no password here to move.
   */
  identities: z.array(z.looseObject({
    provider: z.string().max(64).optional(), connection: z.string().max(128).optional(),
    user_id: z.union([z.string().max(255), z.number()]).optional(), isSocial: z.boolean().optional(),
  })).max(16).optional(),
  // The rest of an exported user's record: accepted, not kept (Tollgate counts logins in its audit events).
  created_at: z.union([z.string().max(64), z.number()]).optional(),
  updated_at: z.union([z.string().max(64), z.number()]).optional(),
  last_login: z.union([z.string().max(64), z.number()]).optional(),
  last_ip: z.string().max(64).optional(),
  logins_count: z.number().int().min(0).optional(),
  /** Auth0's bcrypt field. */
  password_hash: z.string().max(100).optional(),
  custom_password_hash: customPasswordHashSchema.optional(),
  /** Refused with a reason rather than as an unknown key: dropping a user's second factor silently would weaken it. */
  mfa_factors: z.array(z.unknown()).optional(),
});

export type Auth0User = z.output<typeof auth0UserSchema>;

/** Why a valid-looking record still cannot be imported, or undefined. */
export function recordProblem(record: Auth0User): string | undefined {
  if (record.email === undefined && record.username === undefined) return 'email, username: one of them is required';
  if (record.mfa_factors !== undefined) return 'mfa_factors: MFA enrollments are not imported';
  const foreign = record.identities?.find((i) => i.provider !== undefined && i.provider !== 'auth0');
  if (foreign) return `identities: a ${foreign.provider} identity is not a database user (only provider auth0 is imported)`;
  const given = (['password', 'password_hash', 'custom_password_hash'] as const).filter((k) => record[k] !== undefined);
  // An exported user (it has identities) may come without a password: it gets one nobody knows (import-users.ts).
  if (given.length === 0 && record.identities === undefined) return 'password_hash, custom_password_hash or password: a password is required';
  if (given.length > 1) return `${given.join(', ')}: give only one`;
  return undefined;
}
