/**
 * Auth0's password-realm extension grant (RFC 6749 §4.5): the password grant
 * plus `realm`, naming the connection (user directory) to verify against.
 */
import { InvalidRequestError } from '../errors/oauth.ts';
import type { Grant } from './grant.ts';
import { RESOURCE_OWNER_PARAMETERS, clientMayUse, resourceOwnerExchange } from './resource-owner.ts';

export const passwordRealmGrant: Grant = {
  grantType: 'http://auth0.com/oauth/grant-type/password-realm',
  parameters: [...RESOURCE_OWNER_PARAMETERS, 'realm'],
  handle: (ctx) => resourceOwnerExchange(ctx, 'oauth2-password-realm', async () => {
    const realm = ctx.params.get('realm');
    if (realm === undefined) throw new InvalidRequestError('Missing required parameter: realm.');
    if (!(await ctx.services.directory.getConnection(realm))) {
      throw new InvalidRequestError(`The realm "${realm}" does not exist.`);
    }
    if (!clientMayUse(ctx.client, realm)) {
      throw new InvalidRequestError(`The realm "${realm}" is not enabled for this client.`);
    }
    return realm;
  }),
};
