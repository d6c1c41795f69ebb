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
  /** Accepted from Auth0 exports and not kept: Tollgate gives every user a new `sub`. */
  user_id: z.string().max(255).optional(),
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
  const given = (['password', 'password_hash', 'custom_password_hash'] as const).filter((k) => record[k] !== undefined);
  if (given.length === 0) return 'password_hash, custom_password_hash or password: a password is required';
  if (given.length > 1) return `${given.join(', ')}: give only one`;
  return undefined;
}
