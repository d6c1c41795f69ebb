/**
 * The public realm list: the connections a login form may offer in its realm dropdown (Auth0's password-realm grant
 * takes the connection's name as `realm`). Only connections marked `public` are listed, and only to a client that
 * may use them, so a visitor learns nothing a client's own login form would not show.
 */
import { InvalidRequestError } from '../errors/oauth.ts';
import type { ClientStore } from '../storage/slices/clients.ts';
import type { ConnectionStore } from '../storage/slices/connections.ts';

export interface Realm {
  name: string;
  display_name: string | null;
}

export interface RealmsDeps {
  clients: ClientStore;
  connections: ConnectionStore;
}

/** `clientId` is the query's client_id: absent, repeated (an array) or unknown is invalid_request (RFC 6749 §5.2). */
export async function realmsEndpoint(clientId: unknown, deps: RealmsDeps): Promise<{ realms: Realm[] }> {
  if (typeof clientId !== 'string' || clientId === '') throw new InvalidRequestError('Missing required parameter: client_id.');
  const client = await deps.clients.getClient(clientId);
  if (!client) throw new InvalidRequestError('Unknown client_id.', 'client_auth.unknown_client');
  const allowed = client.connections === null ? undefined : new Set(client.connections);
  const realms = (await deps.connections.listConnections())
    .filter((c) => c.public === true && (allowed === undefined || allowed.has(c.name)))
    .map((c) => ({ name: c.name, display_name: c.display_name }));
  return { realms };
}
