/**
 * The rules a client must keep with the connections and APIs around it: checked for the configuration file at boot
 * and for clients the management API writes, with the same messages.
 */
import type { ApiRecord } from '../model/directory.ts';
import type { ClientRecord } from '../model/client.ts';

/** A broken rule: `field` is the path within the client ("" for the client as a whole). */
export interface Problem {
  field: string;
  message: string;
}

export interface Surroundings {
  connections: ReadonlySet<string>;
  apis: readonly ApiRecord[];
  /** The global default connection (default_connection, else the first one). */
  defaultConnection: string | undefined;
}

export function clientProblems(client: ClientRecord, around: Surroundings): Problem[] {
  const problems: Problem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });
  const unknownConnection = (field: string, value: string) => {
    if (!around.connections.has(value)) problem(field, `unknown connection "${value}"`);
  };
  client.connections?.forEach((c, j) => {
    unknownConnection(`connections[${j}]`, c);
  });
  if (client.default_connection !== null) {
    unknownConnection('default_connection', client.default_connection);
    if (client.connections && !client.connections.includes(client.default_connection)) {
      problem('default_connection', `"${client.default_connection}" is not in the client's connections`);
    }
  }
  const effectiveDefault = client.default_connection ?? around.defaultConnection;
  if (client.grant_types.includes('password') && client.connections && effectiveDefault && !client.connections.includes(effectiveDefault)) {
    problem('default_connection', `grant_type password uses "${effectiveDefault}", which is not in the client's connections`);
  }
  if (client.token_endpoint_auth_method === 'none') {
    if (client.refresh_token.rotation !== 'rotating') problem('refresh_token.rotation', 'public clients must rotate refresh tokens (RFC 9700 §4.14.2)');
    if (client.grant_types.includes('client_credentials')) problem('grant_types', 'client_credentials needs a confidential client (RFC 6749 §4.4)');
    if (client.introspection) problem('introspection', 'introspection callers must authenticate, a public client cannot (RFC 7662 §2.1)');
  }
  for (const [aud, scopes] of Object.entries(client.api_grants)) {
    const api = around.apis.find((a) => a.identifier === aud);
    if (!api) problem('api_grants', `unknown API "${aud}"`);
    for (const s of scopes) if (api && !api.scopes.includes(s)) problem('api_grants', `"${aud}" defines no scope "${s}"`);
  }
  return problems;
}
