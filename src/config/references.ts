/** Cross-reference checks the schema cannot express: names that must point at something. */
import type { Config } from './schema.ts';
import { checkProofReferences, usesSecret } from './proof-references.ts';
import { GRANT_TYPES } from '../grants/names.ts';

function duplicates(values: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return dup;
}

export function checkReferences(config: Config): string[] {
  const problems: string[] = [];
  const connections = new Set(config.connections.map((c) => c.name));
  const apis = new Set(config.apis.map((a) => a.identifier));
  const unknownConnection = (path: string, value: string) => {
    if (!connections.has(value)) problems.push(`${path}: unknown connection "${value}"`);
  };

  for (const d of duplicates(config.connections.map((c) => c.name))) problems.push(`connections: duplicate name "${d}"`);
  config.connections.forEach(({ password_policy: { min_length, max_length } }, i) => {
    if (min_length > max_length) problems.push(`connections[${i}].password_policy: min_length ${min_length} is above max_length ${max_length}`);
  });
  for (const d of duplicates(config.apis.map((a) => a.identifier))) problems.push(`apis: duplicate identifier "${d}"`);
  for (const d of duplicates(config.clients.map((c) => c.client_id))) problems.push(`clients: duplicate client_id "${d}"`);
  if (config.default_connection !== undefined) unknownConnection('default_connection', config.default_connection);
  if (config.default_audience !== undefined && !apis.has(config.default_audience)) {
    problems.push(`default_audience: unknown API "${config.default_audience}"`);
  }

  config.clients.forEach((client, i) => {
    const at = `clients[${i}]`;
    client.connections?.forEach((c, j) => unknownConnection(`${at}.connections[${j}]`, c));
    if (client.default_connection !== undefined) {
      unknownConnection(`${at}.default_connection`, client.default_connection);
      if (client.connections && !client.connections.includes(client.default_connection)) {
        problems.push(`${at}.default_connection: "${client.default_connection}" is not in the client's connections`);
      }
    }
    const effectiveDefault = client.default_connection ?? config.default_connection ?? config.connections[0]?.name;
    if (client.grant_types.includes('password') && client.connections && effectiveDefault && !client.connections.includes(effectiveDefault)) {
      problems.push(`${at}.default_connection: grant_type password uses "${effectiveDefault}", which is not in the client's connections`);
    }
    if (client.token_endpoint_auth_method === 'none') {
      if (client.refresh_token.rotation !== 'rotating') problems.push(`${at}.refresh_token.rotation: public clients must rotate refresh tokens (RFC 9700 §4.14.2)`);
      if (client.grant_types.includes('client_credentials')) problems.push(`${at}.grant_types: client_credentials needs a confidential client (RFC 6749 §4.4)`);
      if (client.introspection) problems.push(`${at}.introspection: introspection callers must authenticate, a public client cannot (RFC 7662 §2.1)`);
    }
    for (const [aud, scopes] of Object.entries(client.api_grants)) {
      const api = config.apis.find((a) => a.identifier === aud);
      if (!api) problems.push(`${at}.api_grants: unknown API "${aud}"`);
      scopes.filter((s) => api && !api.scopes.includes(s)).forEach((s) => problems.push(`${at}.api_grants: "${aud}" defines no scope "${s}"`));
    }
    const hasSecret = client.client_secret !== undefined || client.client_secret_hash !== undefined;
    if (client.client_secret !== undefined && client.client_secret_hash !== undefined) {
      problems.push(`${at}: give client_secret or client_secret_hash, not both`);
    }
    if (client.token_endpoint_auth_method === 'none' && hasSecret) {
      problems.push(`${at}.client_secret: a public client (token_endpoint_auth_method none) has no secret`);
    }
    if (usesSecret(client) && !hasSecret) {
      problems.push(`${at}.client_secret: required for token_endpoint_auth_method ${client.token_endpoint_auth_method}`);
    }
    if (client.token_endpoint_auth_method !== 'none' && !usesSecret(client) && hasSecret) {
      problems.push(`${at}.client_secret: a client authenticating with ${client.token_endpoint_auth_method} has no secret`);
    }
  });
  problems.push(...checkProofReferences(config));

  problems.push(...mfaProblems(config));
  const seenUsers = new Set<string>();
  config.users.forEach((user, i) => {
    const at = `users[${i}]`;
    unknownConnection(`${at}.connection`, user.connection);
    const key = `${user.connection}\u0000${user.username.toLowerCase()}`;
    if (seenUsers.has(key)) problems.push(`${at}.username: "${user.username}" appears twice in connection "${user.connection}"`);
    seenUsers.add(key);
    if ((user.password === undefined) === (user.password_hash === undefined)) {
      problems.push(`${at}: give exactly one of password or password_hash`);
    }
  });
  return problems;
}

const MFA_GRANTS = GRANT_TYPES.filter((g) => g.includes('/mfa-'));
const LOGIN_GRANTS = ['password', 'http://auth0.com/oauth/grant-type/password-realm'];

/** MFA settings that would leave a login stuck halfway: no way to finish it, no key, no delivery. */
function mfaProblems(config: Config): string[] {
  const problems: string[] = [];
  const policyOf = (name: string) => config.connections.find((c) => c.name === name)?.mfa;
  const delivery = { email: config.mfa.email, sms: config.mfa.sms };
  const requiresMfa = config.connections.some((c) => c.mfa.policy !== 'never') || config.clients.some((c) => (c.mfa?.policy ?? 'never') !== 'never');
  if (requiresMfa && !/^sqlite:/.test(config.storage) && !config.mfa.encryption_keys?.length) {
    problems.push('mfa.encryption_keys: required with PostgreSQL storage when a connection or client requires MFA (every node must open the same sealed secrets)');
  }
  config.connections.forEach((c, i) => {
    for (const channel of ['email', 'sms'] as const) {
      if (c.mfa.policy !== 'never' && c.mfa.factors.includes(channel) && !delivery[channel]) {
        problems.push(`connections[${i}].mfa.factors: ${channel} needs mfa.${channel} (how codes are sent)`);
      }
    }
  });
  config.clients.forEach((client, i) => {
    if (!client.grant_types.some((g) => LOGIN_GRANTS.includes(g)) || client.grant_types.some((g) => MFA_GRANTS.includes(g))) return;
    const names = client.connections ?? config.connections.map((c) => c.name);
    const strict = names.filter((n) => (client.mfa?.policy ?? policyOf(n)?.policy ?? 'never') !== 'never');
    if (strict.length > 0) {
      problems.push(`clients[${i}].grant_types: MFA may be required (connection "${strict[0]}") but the client has no MFA grant (${MFA_GRANTS.join(', ')})`);
    }
  });
  return problems;
}
