/** What the management operations work with, shared by the HTTP API and the CLI. */
import type { PasswordDeps } from '../accounts/set-password.ts';
import type { PasswordHasher } from '../accounts/passwords.ts';
import type { MfaSettings } from '../config/mfa-rules.ts';
import type { AuditLog, EventInput } from '../events/audit.ts';
import type { SigningAlg } from '../keys/algorithms.ts';
import type { Store } from '../storage/interfaces.ts';

export interface ManagementContext {
  store: Store;
  hasher: PasswordHasher;
  audit: AuditLog;
  now: () => number;
  /** tokens.revoke_refresh_on_password_change */
  revokeRefreshOnPasswordChange: boolean;
  /** The connection grant_type=password uses when a client names none (default_connection, else the first). */
  defaultConnection: string | undefined;
  /** What the configuration offers MFA (deliveries, sealing), against which connections and clients are checked. */
  mfa: MfaSettings;
  /** tokens.signing_alg: the algorithm rotated when none is named. */
  signingAlg: SigningAlg;
  /** This node's signing keys, reloaded after a change so this node uses it at once; the CLI has none. */
  keys?: { reload(): Promise<void> };
}

/** Who made a change: the management client's id, or null for the CLI (an operator with direct store access). */
export type Actor = string | null;

export function passwordDeps(ctx: ManagementContext): PasswordDeps {
  const { store, hasher, audit, now } = ctx;
  return { users: store, refreshTokens: store, attempts: store.attempts, hasher, audit, revokeRefreshTokens: ctx.revokeRefreshOnPasswordChange, now };
}

/** Records a change made through the API or the CLI; the acting client is the event's client_id. */
export function recordChange(ctx: ManagementContext, actor: Actor, event: Omit<EventInput, 'outcome' | 'client_id'>): Promise<void> {
  return ctx.audit.emit({ ...event, outcome: 'success', client_id: actor });
}
