/** Ending brute-force blocks: by an operator (CLI, management API), by a password change, or with the account itself. */
import type { AuditLog } from '../events/audit.ts';
import type { AttemptStore } from '../storage/slices/attempts.ts';

export type UnblockReason = 'operator' | 'password_change' | 'user_deleted';

export interface Unblock {
  connection: string;
  username: string;
  /** One IP's counter only; every IP's when absent. */
  ip?: string;
  reason: UnblockReason;
  user_id?: string | null;
  /** The management client that asked, if any. */
  client_id?: string | null;
}

/**
 * Clears the account's failure counters, blocked or not, so the next failure counts from one again; a
 * brute_force.unblocked event records it when any went (`audit` absent: nothing is recorded). Returns how many went.
 */
export async function unblockAccount(deps: { attempts: AttemptStore; audit?: AuditLog }, unblock: Unblock): Promise<number> {
  const { reason, ip, user_id = null, client_id = null } = unblock;
  const account = { connection: unblock.connection, username: unblock.username.toLowerCase() };
  const cleared = await deps.attempts.clearLoginFailures({ ...account, ip });
  if (cleared > 0) await deps.audit?.emit({ type: 'brute_force.unblocked', outcome: 'success', reason, ...account, ip: ip ?? null, user_id, client_id });
  return cleared;
}
