/** Connections and APIs, and the MFA policy a connection sets. */

export const MFA_POLICIES = ['never', 'if_enrolled', 'always'] as const;
export type MfaPolicyName = (typeof MFA_POLICIES)[number];
export const MFA_FACTORS = ['otp', 'email', 'sms', 'recovery-code'] as const;
export type MfaFactor = (typeof MFA_FACTORS)[number];

/** When a login needs a second factor, and which factors count. */
export interface MfaPolicy {
  policy: MfaPolicyName;
  factors: MfaFactor[];
}

export interface ConnectionRecord {
  name: string;
  display_name: string | null;
  mfa: MfaPolicy;
  /** Listed at {issuer}/realms for the clients that may use it; absent (not listed) on records written before it existed. */
  public?: boolean;
}

export interface ApiRecord {
  identifier: string;
  name: string | null;
  scopes: string[];
  access_token_ttl: number | null;
}
