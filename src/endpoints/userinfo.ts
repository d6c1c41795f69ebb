/** GET/POST {issuer}/userinfo (OIDC Core §5.3), protected per RFC 6750. */
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, MissingTokenError } from '../errors/oauth.ts';
import type { DenylistStore, UserStore } from '../storage/interfaces.ts';
import type { TokenIssuer } from '../tokens/issuer.ts';
import type { Params } from '../http/params.ts';
import { scopeClaims } from '../tokens/claims.ts';
import type { X509Certificate } from 'node:crypto';
import { certificateThumbprint } from '../client-auth/certificates.ts';
import { proves } from '../tokens/confirmation.ts';

export interface UserinfoRequest {
  authorization: string | undefined;
  /** Form body of a POST (RFC 6750 §2.2 allows the token there). */
  params: Params;
  /** The TLS client certificate, for certificate-bound tokens (RFC 8705 §3). */
  certificate?: X509Certificate | undefined;
}

/** RFC 6750 §2: the token comes in exactly one place. */
function bearerToken(req: UserinfoRequest): string {
  const header = req.authorization;
  const inBody = req.params.get('access_token');
  if (header !== undefined && inBody !== undefined) throw new InvalidRequestError('The access token was sent in more than one place.');
  if (inBody !== undefined) return inBody;
  if (header === undefined) throw new MissingTokenError();
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw new InvalidTokenError('The Authorization header is not a Bearer token.');
  return match[1];
}

export async function userinfoEndpoint(req: UserinfoRequest, deps: { issuer: TokenIssuer; users: UserStore; denylist: DenylistStore }): Promise<Record<string, unknown>> {
  const token = bearerToken(req);
  let claims;
  try {
    claims = await deps.issuer.verifyAccessToken(token, deps.issuer.userinfoUrl);
  } catch (err) {
    throw new InvalidTokenError('The access token is invalid or expired.', (err as Error).message);
  }
  if (await deps.denylist.isAccessTokenDenied(claims.jti)) throw new InvalidTokenError('The access token is invalid or expired.', 'revoked');
  // RFC 8705 §3: a certificate-bound token is accepted only over a connection with that certificate.
  const possession = req.certificate ? { 'x5t#S256': certificateThumbprint(req.certificate) } : {};
  if (claims.cnf && !proves(possession, claims.cnf)) {
    throw new InvalidTokenError('The access token is bound to a client certificate this request did not present.', 'certificate binding');
  }
  const user = await deps.users.getUser(claims.sub);
  if (!user) throw new InvalidTokenError('The access token is invalid or expired.', 'user no longer exists');
  // A token issued without any audience also names userinfo, but only OpenID Connect (the openid scope)
  // grants access to it (OIDC Core §5.3); a valid token without it is short of scope (RFC 6750 §3.1),
  // checked after validity so a revoked token is always invalid_token.
  const scope = claims.scope.split(' ');
  if (!scope.includes('openid')) throw new InsufficientScopeError('The access token was not granted the openid scope.');
  return { sub: user.id, ...scopeClaims(user, scope) };
}
