/** GET/POST {issuer}/userinfo (OIDC Core §5.3), protected per RFC 6750. */
import { InsufficientScopeError, InvalidTokenError } from '../errors/oauth.ts';
import { bearerToken, verifiedAccessToken } from './bearer.ts';
import type { DenylistStore, UserStore } from '../storage/interfaces.ts';
import type { TokenIssuer } from '../tokens/issuer.ts';
import type { Params } from '../http/params.ts';
import { scopeClaims } from '../tokens/claims.ts';

export interface UserinfoRequest {
  authorization: string | undefined;
  /** Form body of a POST (RFC 6750 §2.2 allows the token there). */
  params: Params;
}

export async function userinfoEndpoint(req: UserinfoRequest, deps: { issuer: TokenIssuer; users: UserStore; denylist: DenylistStore }): Promise<Record<string, unknown>> {
  const claims = await verifiedAccessToken(bearerToken(req.authorization, req.params.get('access_token')), deps.issuer.userinfoUrl, deps);
  const user = await deps.users.getUser(claims.sub);
  if (!user) throw new InvalidTokenError('The access token is invalid or expired.', 'user no longer exists');
  // A token issued without any audience also names userinfo, but only OpenID Connect (the openid scope)
  // grants access to it (OIDC Core §5.3); a valid token without it is short of scope (RFC 6750 §3.1),
  // checked after validity so a revoked token is always invalid_token.
  const scope = claims.scope.split(' ');
  if (!scope.includes('openid')) throw new InsufficientScopeError('The access token was not granted the openid scope.');
  return { sub: user.id, ...scopeClaims(user, scope) };
}
