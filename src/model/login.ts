/**
 * How a login came and what its post-login actions decided: kept with an mfa_token so the second step ends the
 * login the same way. actions/types.ts (the public contract for operator modules) re-exports the first three.
 */

/** Which exchange the login came through (event.transaction.protocol). */
export type LoginProtocol = 'oauth2-password' | 'oauth2-password-realm' | 'oauth2-refresh-token' | 'oauth2-resource-owner';

/** Second factors an action may ask for; `any` lets the user answer with whichever the policy allows. */
export type ActionFactor = 'any' | 'otp' | 'email' | 'sms';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What the whole pipeline asked for, accumulated across actions. */
export interface ActionOutcome {
  accessClaims: Record<string, JsonValue>;
  idClaims: Record<string, JsonValue>;
  /** Top-level keys to set; null removes the key. */
  appMetadata: Record<string, JsonValue>;
  userMetadata: Record<string, JsonValue>;
  /** A second factor asked for, if any. */
  mfa: ActionFactor | undefined;
  /** Granted scopes to take out of the tokens; absent from outcomes kept by MFA logins begun before it existed. */
  removedScopes?: string[];
}
