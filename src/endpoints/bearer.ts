/** Access tokens presented to Tollgate's own protected resources (userinfo, the management API), per RFC 6750. */
import { InvalidTokenError, MissingTokenError } from '../errors/oauth.ts';
import type { DenylistStore } from '../storage/interfaces.ts';
import type { AccessTokenClaims, TokenIssuer } from '../tokens/issuer.ts';

/** RFC 6750 §2.1: `Authorization: Bearer <b64token>`. */
export function bearerFromHeader(header: string | undefined): string {
  if (header === undefined) throw new MissingTokenError();
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw new InvalidTokenError('The Authorization header is not a Bearer token.');
  return match[1];
}

/** A live access token Tollgate issued for `audience`: signed by a key still trusted, unexpired, not revoked. */
export async function verifyBearer(token: string, audience: string, deps: { issuer: TokenIssuer; denylist: DenylistStore }): Promise<AccessTokenClaims> {
  let claims;
  try {
    claims = await deps.issuer.verifyAccessToken(token, audience);
  } catch (err) {
    throw new InvalidTokenError('The access token is invalid or expired.', (err as Error).message);
  }
  if (await deps.denylist.isAccessTokenDenied(claims.jti)) throw new InvalidTokenError('The access token is invalid or expired.', 'revoked');
  return claims;
}
