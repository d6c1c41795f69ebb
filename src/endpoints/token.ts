/**
 * POST {issuer}/oauth/token as a short list of named steps (RFC 6749 §3.2),
 * framework-free: the HTTP layer hands in parsed parameters.
 */
import { InvalidRequestError, UnauthorizedClientError, UnsupportedGrantTypeError } from '../errors/oauth.ts';
import { authenticateClient } from '../client-auth/registry.ts';
import type { ClientAuthDeps } from '../client-auth/method.ts';
import type { ClientStore } from '../storage/interfaces.ts';
import type { Params } from '../http/params.ts';
import type { Grant, RequestInfo, TokenResponse } from '../grants/grant.ts';
import { findGrant } from '../grants/registry.ts';
import type { TokenServices } from '../tokens/services.ts';

export interface TokenEndpointDeps {
  clients: ClientStore;
  clientAuth: ClientAuthDeps;
  services: TokenServices;
}

export interface TokenRequest {
  params: Params;
  authorization: string | undefined;
  request: RequestInfo;
}

function lookupGrant(params: Params): Grant {
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw new InvalidRequestError('Missing required parameter: grant_type.');
  const grant = findGrant(grantType);
  if (!grant) throw new UnsupportedGrantTypeError(`The grant type "${grantType}" is not supported.`);
  return grant;
}

/** Keeps only what the grant declared: an undeclared parameter can never change a grant's behaviour. */
function declaredParameters(params: Params, grant: Grant): Params {
  return new Map(grant.parameters.flatMap((name) => {
    const value = params.get(name);
    return value === undefined ? [] : [[name, value] as const];
  }));
}

export async function tokenEndpoint(req: TokenRequest, deps: TokenEndpointDeps): Promise<TokenResponse> {
  const { client } = await authenticateClient(req, deps.clients, deps.clientAuth);
  const grant = lookupGrant(req.params);
  if (!client.grant_types.includes(grant.grantType)) {
    throw new UnauthorizedClientError(`The client is not allowed to use the grant type "${grant.grantType}".`);
  }
  return grant.handle({ params: declaredParameters(req.params, grant), client, request: req.request, services: deps.services });
}
