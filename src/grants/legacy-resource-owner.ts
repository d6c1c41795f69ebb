/**
 * The legacy /oauth/ro (Auth0's resource owner endpoint from before its OIDC-conformant pipeline): the
 * password exchange in its old wire format. `connection` names the directory as `realm` does; nothing is granted but
 * OIDC scopes for /userinfo, with an opaque access token; a refresh token needs `device` besides offline_access; other
 * scope values name user_metadata attributes, which the ID token carries un-namespaced. Only /oauth/ro reaches this
 * grant (endpoints/legacy-resource-owner.ts); /oauth/token's grant table does not hold it.
 */
import { InvalidRequestError } from '../errors/oauth.ts';
import type { ClientRecord } from '../model/client.ts';
import type { UserRecord } from '../model/user.ts';
import type { Grant, GrantContext } from './grant.ts';
import type { TokenResponse } from '../protocol/token-response.ts';
import { resourceOwnerExchange, type ExchangeFormat } from './resource-owner.ts';
import { namedConnection } from './password-realm.ts';
import { OIDC_SCOPES, grantScope, parseScope } from '../tokens/scope.ts';
import { PROTECTED_CLAIMS } from '../tokens/claims.ts';
import { idTokenFor, refreshTokenFor } from '../tokens/token-services.ts';
import { issueLegacyToken } from '../tokens/legacy-token.ts';
import { sessionIdOf } from '../tokens/refresh.ts';

/** A device name: what a person would call a phone or a browser, without control characters. */
const DEVICE_NAME = /^[^\p{Cc}]{1,255}$/u;

const isOidcScope = (s: string) => (OIDC_SCOPES as readonly string[]).includes(s);

/**
 * The attributes scope values name, from user_metadata, for the legacy ID token (Auth0's example is `favorite_color`). A
 * client restricted to a `scope` list gets only the attributes it lists; a name a standard or registered claim has
 * is never taken from metadata the user can edit.
 */
export function attributeClaims(user: UserRecord, client: ClientRecord, names: readonly string[]): Record<string, unknown> {
  const allowed = client.scope === null ? undefined : new Set(parseScope(client.scope));
  const released = names.filter((n) => (allowed?.has(n) ?? true) && !PROTECTED_CLAIMS.has(n) && Object.hasOwn(user.user_metadata, n));
  return Object.fromEntries(released.map((n) => [n, user.user_metadata[n]]));
}

/** What /oauth/ro grants and answers; per request, as the attributes asked for are the request's own. */
function legacyFormat(ctx: GrantContext): ExchangeFormat {
  const device = ctx.params.get('device');
  let attributes: string[] = [];
  return {
    async authorize({ client, params }) {
      if (device !== undefined && !DEVICE_NAME.test(device)) {
        throw new InvalidRequestError('The device must be 1 to 255 characters, without control characters.');
      }
      const requested = params.get('scope');
      const asked = parseScope(requested);
      attributes = asked.filter((s) => !isOidcScope(s));
      // Auth0's legacy /oauth/ro: offline_access brings a refresh token only with a device to issue it to.
      const oidc = asked.filter((s) => isOidcScope(s) && (s !== 'offline_access' || device !== undefined));
      // No audience: the token is for /userinfo alone, so API scopes (and default_audience) play no part.
      const scope = grantScope(requested === undefined ? undefined : oidc.join(' '), {
        apiScopes: [], knownScopes: new Set(), clientScope: client.scope, offlineAccess: client.grant_types.includes('refresh_token'),
      });
      return { api: undefined, scope };
    },
    async issue(services, login) {
      const ttl = services.policy.accessTokenTtl;
      const family = await refreshTokenFor(services, login, device ?? null);
      const grant = {
        clientId: login.client.client_id, userId: login.user.id, scope: login.authorization.scope,
        sid: family ? sessionIdOf(family.familyId) : null,
      };
      const response: TokenResponse = {
        access_token: await issueLegacyToken(services.legacyTokens, grant, ttl, services.now()),
        token_type: 'Bearer',
        expires_in: ttl,
      };
      if (family?.token !== undefined) response.refresh_token = family.token;
      const idToken = await idTokenFor(services, login, attributeClaims(login.user, login.client, attributes));
      if (idToken !== undefined) response.id_token = idToken;
      return response;
    },
  };
}

export const legacyResourceOwnerGrant: Grant = {
  // The exchange is the password grant's, so a client needs that grant type to use it.
  grantType: 'password',
  parameters: ['username', 'password', 'connection', 'scope', 'device'],
  handle: (ctx) => resourceOwnerExchange(ctx, 'oauth2-resource-owner', () => namedConnection(ctx, 'connection'), legacyFormat(ctx)),
};
