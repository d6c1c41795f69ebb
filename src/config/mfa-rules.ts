/**
 * MFA settings that would leave a login stuck halfway: no way to finish it, no key, no delivery. Checked for the
 * configuration file at boot and for connections and clients the management API writes.
 */
import { GRANT_TYPES } from '../protocol/grant-types.ts';
import type { ClientRecord } from '../model/client.ts';
import type { ConnectionRecord } from '../model/directory.ts';
import type { Config } from './schema.ts';

export interface MfaSettings {
  /** The code deliveries configured (mfa.email, mfa.sms). */
  delivery: { email: boolean; sms: boolean };
  /** Whether every node opens the same sealed secrets: SQLite (a key file beside the database), or mfa.encryption_keys. */
  sealable: boolean;
}

export function mfaSettings(config: Config): MfaSettings {
  return {
    delivery: { email: config.mfa.email !== undefined, sms: config.mfa.sms !== undefined },
    sealable: /^sqlite:/.test(config.storage) || (config.mfa.encryption_keys?.length ?? 0) > 0,
  };
}

export interface MfaProblem {
  /** The record the problem is about (its position in the lists given); none for a global setting. */
  where: { kind: 'connections' | 'clients'; index: number } | undefined;
  field: string;
  message: string;
}

const MFA_GRANTS = GRANT_TYPES.filter((g) => g.includes('/mfa-'));
const LOGIN_GRANTS = ['password', 'http://auth0.com/oauth/grant-type/password-realm'];

type Connection = Pick<ConnectionRecord, 'name' | 'mfa'>;
type Client = Pick<ClientRecord, 'grant_types' | 'connections' | 'mfa'>;

export function mfaProblems(settings: MfaSettings, connections: readonly Connection[], clients: readonly Client[]): MfaProblem[] {
  const problems: MfaProblem[] = [];
  const policyOf = (name: string) => connections.find((c) => c.name === name)?.mfa;
  const requiresMfa = connections.some((c) => c.mfa.policy !== 'never') || clients.some((c) => (c.mfa?.policy ?? 'never') !== 'never');
  if (requiresMfa && !settings.sealable) {
    problems.push({
      where: undefined, field: 'mfa.encryption_keys',
      message: 'required with PostgreSQL storage when a connection or client requires MFA (every node must open the same sealed secrets)',
    });
  }
  connections.forEach((c, index) => {
    for (const channel of ['email', 'sms'] as const) {
      if (c.mfa.policy !== 'never' && c.mfa.factors.includes(channel) && !settings.delivery[channel]) {
        problems.push({ where: { kind: 'connections', index }, field: 'mfa.factors', message: `${channel} needs mfa.${channel} (how codes are sent)` });
      }
    }
  });
  clients.forEach((client, index) => {
    if (!client.grant_types.some((g) => LOGIN_GRANTS.includes(g)) || client.grant_types.some((g) => MFA_GRANTS.includes(g))) return;
    const names = client.connections ?? connections.map((c) => c.name);
    const strict = names.filter((n) => (client.mfa?.policy ?? policyOf(n)?.policy ?? 'never') !== 'never');
    if (strict.length > 0) {
      problems.push({
        where: { kind: 'clients', index }, field: 'grant_types',
        message: `MFA may be required (connection "${strict[0]}") but the client has no MFA grant (${MFA_GRANTS.join(', ')})`,
      });
    }
  });
  return problems;
}
