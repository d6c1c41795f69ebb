/** grant_type=password (RFC 6749 §4.3): the user is looked up in the client's default connection. */
import { ServerError } from '../errors/oauth.ts';
import type { Grant } from './grant.ts';
import { RESOURCE_OWNER_PARAMETERS, clientMayUse, resourceOwnerExchange } from './resource-owner.ts';

export const passwordGrant: Grant = {
  grantType: 'password',
  parameters: RESOURCE_OWNER_PARAMETERS,
  handle: (ctx) => resourceOwnerExchange(ctx, 'oauth2-password', async () => {
    const connection = ctx.client.default_connection ?? ctx.services.policy.defaultConnection;
    // Configuration validation refuses this at boot; the check stays for records changed at run time.
    if (!clientMayUse(ctx.client, connection)) {
      throw new ServerError(`login.connection: ${connection} is not enabled for client ${ctx.client.client_id}`);
    }
    return connection;
  }),
};
