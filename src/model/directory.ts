/** Connections and APIs, and what the configuration file and the management API share of them and of clients. */
import type { ClientRecord } from './client.ts';

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
}

export interface ApiRecord {
  identifier: string;
  name: string | null;
  scopes: string[];
  access_token_ttl: number | null;
}

/** The records the configuration file and the management API share, by kind (each kind is a table of its own). */
export interface ConfiguredRecords {
  clients: ClientRecord;
  connections: ConnectionRecord;
  apis: ApiRecord;
}
export type ConfiguredKind = keyof ConfiguredRecords;

/** Each kind's key field. */
export const CONFIGURED_KEYS = { clients: 'client_id', connections: 'name', apis: 'identifier' } as const satisfies {
  [K in ConfiguredKind]: keyof ConfiguredRecords[K];
};

/** Who owns a configured record: the configuration file (synchronised at start) or the management API and CLI. */
export type Owner = 'config' | 'api';

export interface Owned<T> {
  record: T;
  managed_by: Owner;
}
