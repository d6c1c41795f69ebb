/**
 * grant_type=client_credentials (RFC 6749 §4.4): a confidential client acts
 * for itself, with the scopes it was granted on the audience API. No refresh
 * token (§4.4.3) and no ID token: there is no user.
 */
import { AccessDeniedError, InvalidRequestError, InvalidScopeError, UnauthorizedClientError } from '../errors/oauth.ts';
import type { Grant, GrantContextWith } from './grant.ts';
import type { ApiStore } from '../storage/slices/apis.ts';
import type { TokenIssuer } from '../tokens/issuer.ts';
import type { TokenPolicy } from '../tokens/token-services.ts';
import { parseScope } from '../tokens/scope.ts';
import { accessTokenBinding, tokenType } from '../tokens/confirmation.ts';

/** What the grant uses: the APIs, the policy's defaults, and the access-token signer. */
export interface ClientCredentialsServices {
  apis: Pick<ApiStore, 'getApi'>;
  policy: Pick<TokenPolicy, 'defaultAudience' | 'accessTokenTtl'>;
  issuer: Pick<TokenIssuer, 'accessToken'>;
}

export const clientCredentialsGrant: Grant = {
  grantType: 'client_credentials',
  parameters: ['audience', 'scope'],
  async handle({ params, client, services, possession }: GrantContextWith<ClientCredentialsServices>) {
    if (client.token_endpoint_auth_method === 'none') {
      throw new UnauthorizedClientError('Public clients cannot use client_credentials (RFC 6749 §4.4).');
    }
    const audience = params.get('audience') ?? services.policy.defaultAudience;
    if (audience === undefined) throw new InvalidRequestError('Missing required parameter: audience.');
    const api = await services.apis.getApi(audience);
    if (!api) throw new InvalidRequestError(`The audience "${audience}" is not a known API.`);
    const granted = client.api_grants[audience];
    if (!granted) throw new AccessDeniedError(`The client has no grant for the API "${audience}".`);
    const requested = params.get('scope');
    const asked = parseScope(requested);
    const unknown = asked.find((s) => !api.scopes.includes(s));
    if (unknown !== undefined) throw new InvalidScopeError(`The scope "${unknown}" does not exist on "${audience}".`);
    // RFC 6749 §3.3: the server may grant less than asked; the response says what was granted.
    const scope = requested === undefined ? granted : asked.filter((s) => granted.includes(s));
    const ttl = api.access_token_ttl ?? services.policy.accessTokenTtl;
    const cnf = accessTokenBinding(client, possession);
    return {
      access_token: await services.issuer.accessToken({ sub: client.client_id, clientId: client.client_id, scope, audience, ttl, userinfo: false, cnf }),
      token_type: tokenType(cnf),
      expires_in: ttl,
      scope: scope.join(' '),
    };
  },
};
