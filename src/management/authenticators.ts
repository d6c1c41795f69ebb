/** A user's MFA authenticators: listed (no secret, the address masked) and removed, one or all (an MFA reset). */
import { z } from 'zod';
import { describeAuthenticator } from '../endpoints/mfa.ts';
import { NotFoundError } from '../errors/oauth.ts';
import { recordChange, type Actor, type ManagementContext } from './context.ts';
import { findUser } from './users.ts';

export const authenticatorView = z.object({
  id: z.string(), authenticator_type: z.enum(['otp', 'oob', 'recovery-code']), oob_channel: z.enum(['email', 'sms']).optional(),
  name: z.string().optional().describe('Where codes go, masked.'), active: z.boolean().describe('false while the enrolment is unconfirmed.'),
});

export const authenticatorParams = z.strictObject({ id: z.string().describe('The user id.'), authenticator_id: z.string().describe('e.g. totp|dev_..., URL-encoded.') });

export async function listUserAuthenticators(ctx: ManagementContext, userId: string): Promise<Record<string, unknown>[]> {
  const user = await findUser(ctx, userId);
  return (await ctx.store.mfa.listAuthenticators(user.id)).map(describeAuthenticator);
}

/**
 * Removes every authenticator of the user (the MFA reset of a lost phone); under an if_enrolled policy they then log
 * in with the password alone, under always they enrol again at their next login. Returns how many went.
 */
export async function resetMfa(ctx: ManagementContext, actor: Actor, userId: string): Promise<number> {
  const user = await findUser(ctx, userId);
  const removed = await ctx.store.mfa.deleteUserAuthenticators(user.id);
  if (removed > 0) await recordChange(ctx, actor, { type: 'mfa.authenticator_deleted', reason: 'all', connection: user.connection, username: user.username, user_id: user.id });
  return removed;
}

export async function deleteUserAuthenticator(ctx: ManagementContext, actor: Actor, userId: string, authenticatorId: string): Promise<void> {
  const user = await findUser(ctx, userId);
  if (!(await ctx.store.mfa.deleteAuthenticator(user.id, authenticatorId))) throw new NotFoundError(`The user has no authenticator "${authenticatorId}".`);
  await recordChange(ctx, actor, {
    type: 'mfa.authenticator_deleted', reason: authenticatorId.split('|')[0] ?? null, connection: user.connection, username: user.username, user_id: user.id,
  });
}
