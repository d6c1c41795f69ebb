/** grant_type=password (RFC 6749 §4.3): the user is looked up in the client's default connection. */
import { ServerError } from '../errors/oauth.ts';
import type { Grant } from './grant.ts';
import { RESOURCE_OWNER_PARAMETERS, clientMayUse, resourceOwnerExchange } from './resource-owner.ts';

export const passwordGrant: Grant = {
  grantType: 'password',
  parameters: RESOURCE_OWNER_PARAMETERS,
  async handle(ctx) {
    const connection = ctx.client.default_connection ?? ctx.services.policy.defaultConnection;
    if (!clientMayUse(ctx.client, connection)) {
      throw new ServerError(`default connection ${connection} is not enabled for client ${ctx.client.client_id}`);
    }
    return resourceOwnerExchange(ctx, connection);
  },
};
