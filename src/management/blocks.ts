/** A user's brute-force blocks (attack protection): read and cleared, from every IP or one. */
import { z } from 'zod';
import { unblockAccount } from '../protection/unblock.ts';
import type { Actor, ManagementContext } from './context.ts';
import { findUser } from './users.ts';

export const blockView = z.object({
  ip: z.string().describe('The blocked IP, or "*" in per_account mode (every IP).'),
  failures: z.number().int(),
  blocked_at: z.number().int(),
  block_expires_at: z.number().int().nullable().describe('When the block lapses by itself; null: until cleared or the password changes.'),
  last_failure_at: z.number().int(),
});
export const blocksView = z.object({ blocked_for: z.array(blockView) });

export const unblockQuery = z.strictObject({ ip: z.string().optional().describe('Clear only this IP\'s counter (default: every IP\'s).') });

export async function userBlocks(ctx: ManagementContext, id: string): Promise<z.output<typeof blocksView>> {
  const user = await findUser(ctx, id);
  const blocks = await ctx.store.attempts.listLoginBlocks({ connection: user.connection, username: user.username.toLowerCase() }, ctx.now());
  return { blocked_for: blocks.map(({ ip, failures, blocked_at, block_expires_at, last_failure_at }) => ({ ip, failures, blocked_at: blocked_at!, block_expires_at, last_failure_at })) };
}

/** Clears the account's failure counters (blocked or not); returns how many went. */
export async function unblockUser(ctx: ManagementContext, actor: Actor, id: string, ip?: string): Promise<number> {
  const user = await findUser(ctx, id);
  return unblockAccount({ attempts: ctx.store.attempts, audit: ctx.audit }, {
    connection: user.connection, username: user.username, ip, reason: 'operator', user_id: user.id, client_id: actor,
  });
}
