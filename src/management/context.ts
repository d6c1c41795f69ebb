/** What the management operations work with, shared by the HTTP API and the CLI. */
import type { PasswordDeps } from '../accounts/set-password.ts';
import type { PasswordHasher } from '../accounts/passwords.ts';
import { issuerOf } from '../config/issuer.ts';
import { mfaSettings, type MfaSettings } from '../config/mfa-rules.ts';
import { managementAudience } from '../protocol/management-api.ts';
import type { Config, PasswordPolicy } from '../config/schema.ts';
import { policyChecks, policyOf, type PolicyChecks } from '../accounts/password-policy.ts';
import type { AuditLog, EventInput } from '../events/audit.ts';
import type { SigningAlg } from '../protocol/algorithms.ts';
import type { Store } from '../storage/store.ts';
import type { Actor } from './actor.ts';
import type { ImportJobs } from './import-jobs.ts';
import type { FamilyRevocation } from '../tokens/family-revocation.ts';
import type { LiveProtectionSettings } from '../protection/live-settings.ts';
import type { BreachedPasswords } from '../breached/detection.ts';

export type { Actor };

export interface ManagementContext {
  store: Store;
  hasher: PasswordHasher;
  audit: AuditLog;
  now: () => number;
  /** Revoking a user's refresh-token families revokes their access tokens too (RFC 7009 §2.1). */
  families: FamilyRevocation;
  /** tokens.revoke_refresh_on_password_change */
  revokeRefreshOnPasswordChange: boolean;
  /** connections[].password_policy of a connection (the defaults for one the file does not name). */
  passwordPolicy: (connection: string) => PasswordPolicy;
  /** The password policy's checks, made once (zxcvbn loads its dictionaries then). */
  passwordChecks: PolicyChecks;
  /** The connection grant_type=password uses when a client names none (default_connection, else the first). */
  defaultConnection: string | undefined;
  /** What the configuration offers MFA (deliveries, sealing), against which connections and clients are checked. */
  mfa: MfaSettings;
  /** {issuer}/api/v2/ */
  managementAudience: string;
  /** tokens.signing_alg: the algorithm rotated when none is named. */
  signingAlg: SigningAlg;
  /** This node's signing keys, reloaded after a change so this node uses it at once; the CLI has none. */
  keys?: { reload(): Promise<void> };
  /** The import jobs this node runs in the background; the CLI has none (it imports in the foreground). */
  jobs?: ImportJobs;
  /** Attack protection's settings: the file's, with the changes made through the management API. */
  protection: LiveProtectionSettings;
}

/** The parts of the context the configuration decides, alike for every node and the CLI; `breached` checks passwords being set. */
export function configuredContext(config: Config, hasher: PasswordHasher, breached?: BreachedPasswords): Pick<ManagementContext,
  'revokeRefreshOnPasswordChange' | 'passwordPolicy' | 'passwordChecks' | 'defaultConnection' | 'mfa' | 'managementAudience' | 'signingAlg'> {
  return {
    revokeRefreshOnPasswordChange: config.tokens.revoke_refresh_on_password_change,
    passwordPolicy: (connection) => policyOf(config, connection),
    passwordChecks: policyChecks(hasher, breached),
    defaultConnection: config.default_connection ?? config.connections[0]?.name,
    mfa: mfaSettings(config),
    managementAudience: managementAudience(issuerOf(config)),
    signingAlg: config.tokens.signing_alg,
  };
}


export function passwordDeps(ctx: ManagementContext): PasswordDeps {
  const { store, hasher, audit, now } = ctx;
  return {
    users: store.users, history: store.passwordHistory, families: ctx.families, attempts: store.attempts, hasher, audit, now,
    policyOf: ctx.passwordPolicy, checks: ctx.passwordChecks, revokeRefreshTokens: ctx.revokeRefreshOnPasswordChange,
  };
}

/** Records a change made through the API or the CLI; the acting client is the event's client_id. */
export function recordChange(ctx: ManagementContext, actor: Actor, event: Omit<EventInput, 'outcome' | 'client_id'>): Promise<void> {
  return ctx.audit.emit({ ...event, outcome: 'success', client_id: actor });
}
