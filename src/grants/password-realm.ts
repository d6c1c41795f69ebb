/**
 * Auth0's password-realm extension grant (RFC 6749 §4.5): the password grant
 * plus `realm`, naming the connection (user directory) to verify against.
 */
import { InvalidRequestError } from '../errors/oauth.ts';
import type { Grant, GrantContextWith } from './grant.ts';
import type { ConnectionStore } from '../storage/slices/connections.ts';
import { RESOURCE_OWNER_PARAMETERS, clientMayUse, resourceOwnerExchange } from './resource-owner.ts';

/** The connection the request names in `parameter` (`realm` here, `connection` at the legacy /oauth/ro), if the client may use it. */
export async function namedConnection(
  ctx: Pick<GrantContextWith<{ connections: Pick<ConnectionStore, 'getConnection'> }>, 'params' | 'client' | 'services'>, parameter: 'realm' | 'connection',
): Promise<string> {
  const name = ctx.params.get(parameter);
  if (name === undefined) throw new InvalidRequestError(`Missing required parameter: ${parameter}.`);
  if (!(await ctx.services.connections.getConnection(name))) {
    throw new InvalidRequestError(`The ${parameter} "${name}" does not exist.`);
  }
  if (!clientMayUse(ctx.client, name)) {
    throw new InvalidRequestError(`The ${parameter} "${name}" is not enabled for this client.`);
  }
  return name;
}

export const passwordRealmGrant: Grant = {
  grantType: 'http://auth0.com/oauth/grant-type/password-realm',
  parameters: [...RESOURCE_OWNER_PARAMETERS, 'realm'],
  handle: (ctx) => resourceOwnerExchange(ctx, 'oauth2-password-realm', () => namedConnection(ctx, 'realm')),
};
