/** Bearer tokens at protected endpoints (RFC 6750): where the token is, and checking an access token Tollgate issued. */
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, MissingTokenError } from '../errors/oauth.ts';
import { notInForce, type InForceDeps } from '../tokens/in-force.ts';
import type { AccessTokenClaims, TokenIssuer } from '../tokens/issuer.ts';

/** RFC 6750 §2.1: `Authorization: Bearer <b64token>`. */
export function bearerFromHeader(header: string | undefined): string {
  if (header === undefined) throw new MissingTokenError();
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw new InvalidTokenError('The Authorization header is not a Bearer token.');
  return match[1];
}

/** RFC 6750 §2: the token comes in exactly one place, the header or (§2.2) the form body. */
export function bearerToken(header: string | undefined, inBody: string | undefined): string {
  if (header !== undefined && inBody !== undefined) throw new InvalidRequestError('The access token was sent in more than one place.');
  return inBody ?? bearerFromHeader(header);
}

/** A valid, unrevoked access token for `audience`; invalid_token otherwise (RFC 6750 §3.1). */
export async function verifiedAccessToken(token: string, audience: string, deps: { issuer: TokenIssuer } & InForceDeps): Promise<AccessTokenClaims> {
  let claims;
  try {
    claims = await deps.issuer.verifyAccessToken(token, audience);
  } catch (err) {
    throw new InvalidTokenError('The access token is invalid or expired.', `token.invalid: ${(err as Error).message}`);
  }
  const why = await notInForce(claims, deps);
  if (why) throw new InvalidTokenError('The access token is invalid or expired.', `token.invalid: ${why}`);
  return claims;
}

/** insufficient_scope (RFC 6750 §3.1) unless the token carries one of `accepted`. */
export function requireScope(claims: AccessTokenClaims, accepted: readonly string[]): void {
  const granted = claims.scope.split(' ');
  if (!accepted.some((s) => granted.includes(s))) {
    throw new InsufficientScopeError(`The access token needs the ${accepted.map((s) => `'${s}'`).join(' or ')} scope.`);
  }
}
