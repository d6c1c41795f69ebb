/**
 * Auth0's legacy POST {issuer}/oauth/ro, when `legacy.resource_owner_endpoint` enables it: the token endpoint's steps
 * (client authentication, grant check, forwarded-for, failure events) with one grant, password in the legacy wire
 * format.
 */
import { legacyResourceOwnerGrant } from '../grants/legacy-resource-owner.ts';
import type { TokenResponse } from '../protocol/token-response.ts';
import { tokenEndpoint, type TokenEndpointDeps, type TokenEndpointVariant, type TokenRequest } from './token.ts';

const LEGACY_RESOURCE_OWNER: TokenEndpointVariant = {
  findGrant: (grantType) => (grantType === 'password' ? legacyResourceOwnerGrant : undefined),
  // Auth0's SDKs sent the legacy request as one JSON object, the client's credentials included.
  secretInBody: true,
  // Auth0's legacy /oauth/ro issued plain bearer tokens.
  bearerOnly: true,
};

export function legacyResourceOwnerEndpoint(req: TokenRequest, deps: TokenEndpointDeps): Promise<TokenResponse> {
  return tokenEndpoint(req, deps, LEGACY_RESOURCE_OWNER);
}
