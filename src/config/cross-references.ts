/** Cross-reference checks the schema cannot express: names that must point at something. */
import type { Config } from './schema.ts';
import { clientProblems } from './client-rules.ts';
import { issuerOf } from './issuer.ts';
import { apiRecords, clientRecords } from './sync.ts';
import { managementAudience } from '../protocol/management-api.ts';
import { mfaProblems, mfaSettings } from './mfa-rules.ts';
import { checkProofReferences, usesSecret } from './proof-references.ts';

function duplicates(values: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return dup;
}

/** Whether any shield sends email. */
function notifies(settings: Config['attack_protection']['breached_password_detection']): boolean {
  const stages = Object.values(settings.stage).flatMap((stage) => stage.shields);
  return [...settings.shields, ...stages].some((shield) => shield !== 'block');
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
  // Events name actions; two of one name could not be told apart. (Their clients and connections may be ones the management API creates later.)
  for (const d of duplicates(config.actions.map((a) => a.name))) problems.push(`actions: duplicate name "${d}"`);
  if (config.default_connection !== undefined) unknownConnection('default_connection', config.default_connection);
  if (config.default_audience !== undefined && !apis.has(config.default_audience)) {
    problems.push(`default_audience: unknown API "${config.default_audience}"`);
  }

  const management = managementAudience(issuerOf(config));
  if (apis.has(management)) problems.push(`apis: "${management}" is the management API's identifier, which Tollgate declares itself`);
  const surroundings = { connections, apis: apiRecords(config), defaultConnection: config.default_connection ?? config.connections[0]?.name };
  const records = clientRecords(config);
  config.clients.forEach((client, i) => {
    const at = `clients[${i}]`;
    for (const p of clientProblems(records[i]!, surroundings)) problems.push(`${at}${p.field ? `.${p.field}` : ''}: ${p.message}`);
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
    if (client.token_endpoint_auth_method === 'none' && client.rate_limit) {
      problems.push(`${at}.rate_limit: a public client proves nothing about who calls as it, so a limit of its own would be anyone's`);
    }
    if (client.token_endpoint_auth_method !== 'none' && !usesSecret(client) && hasSecret) {
      problems.push(`${at}.client_secret: a client authenticating with ${client.token_endpoint_auth_method} has no secret`);
    }
  });
  problems.push(...checkProofReferences(config));

  for (const { where, field, message } of mfaProblems(mfaSettings(config), config.connections, records)) {
    problems.push(`${where ? `${where.kind}[${where.index}].` : ''}${field}: ${message}`);
  }
  const breached = config.attack_protection.breached_password_detection;
  if (breached.enabled && config.mfa.email === undefined && notifies(breached)) {
    problems.push('attack_protection.breached_password_detection.shields: user_notification and admin_notification send email through mfa.email, which is not set');
  }
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
