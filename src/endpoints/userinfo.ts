/** GET/POST {issuer}/userinfo (OIDC Core §5.3), protected per RFC 6750, and for sender-constrained tokens RFC 8705 §3 and RFC 9449 §7. */
import type { X509Certificate } from 'node:crypto';
import {
  InsufficientScopeError, InvalidDpopProofError, InvalidRequestError, InvalidTokenError, OAuthError, withDpopChallenge,
} from '../errors/oauth.ts';
import { bearerToken, verifiedAccessToken } from './bearer.ts';
import type { LegacyTokenStore } from '../storage/slices/legacy-tokens.ts';
import type { UserStore } from '../storage/slices/users.ts';
import type { InForceDeps } from '../tokens/in-force.ts';
import type { AccessTokenClaims, TokenIssuer } from '../tokens/issuer.ts';
import type { Params } from '../protocol/params.ts';
import { scopeClaims } from '../tokens/claims.ts';
import { certificatePossession, proves } from '../tokens/confirmation.ts';
import type { DpopVerifier } from '../dpop/proof.ts';
import { liveLegacyToken, mayBeLegacyToken } from '../tokens/legacy-token.ts';

export interface UserinfoRequest {
  method: string;
  authorization: string | undefined;
  /** Form body of a POST (RFC 6750 §2.2 allows the token there). */
  params: Params;
  /** The TLS client certificate, for certificate-bound tokens (RFC 8705 §3). */
  certificate?: X509Certificate | undefined;
  /** The DPoP header, for DPoP-bound tokens (RFC 9449 §7.1). */
  dpop?: string | undefined;
}

export interface UserinfoDeps extends InForceDeps {
  issuer: TokenIssuer;
  users: UserStore;
  dpop: DpopVerifier;
  legacyTokens: LegacyTokenStore;
  now: () => number;
}

/** What /userinfo needs of an access token: whose it is, its scope, what it is bound to. */
type TokenGrant = Pick<AccessTokenClaims, 'sub' | 'scope' | 'cnf'>;

/** A JWT Tollgate signed for /userinfo, or an opaque token of Auth0's legacy /oauth/ro, which only works here. */
async function grantOf(token: string, deps: UserinfoDeps): Promise<TokenGrant> {
  if (!mayBeLegacyToken(token)) return verifiedAccessToken(token, deps.issuer.userinfoUrl, deps);
  const record = await liveLegacyToken(deps, token, deps.now());
  if (!record) throw new InvalidTokenError('The access token is invalid or expired.', 'token.unknown');
  return { sub: record.user_id, scope: record.scope.join(' ') };
}

interface PresentedToken {
  token: string;
  scheme: 'Bearer' | 'DPoP';
}

/** RFC 9449 §7.1: `Authorization: DPoP <token>`; otherwise a Bearer token in exactly one place (RFC 6750 §2). */
function presentedToken(req: UserinfoRequest): PresentedToken {
  const dpop = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(req.authorization ?? '');
  if (!dpop?.[1]) return { token: bearerToken(req.authorization, req.params.get('access_token')), scheme: 'Bearer' };
  if (req.params.get('access_token') !== undefined) throw new InvalidRequestError('The access token was sent in more than one place.');
  return { token: dpop[1], scheme: 'DPoP' };
}

/** A bound token is accepted only with what it is bound to, and a DPoP-bound one only under the DPoP scheme. */
async function checkBinding(claims: TokenGrant, presented: PresentedToken, req: UserinfoRequest, dpop: DpopVerifier): Promise<void> {
  const possession = certificatePossession(req.certificate);
  if (presented.scheme === 'DPoP') {
    if (req.dpop === undefined) throw new InvalidDpopProofError('The DPoP scheme needs a DPoP proof (RFC 9449 §7.1).', 'dpop.missing');
    possession.jkt = await dpop.verify(req.dpop, { method: req.method, endpoint: 'userinfo', accessToken: presented.token });
  }
  const dpopBound = claims.cnf?.jkt !== undefined;
  if (dpopBound !== (presented.scheme === 'DPoP')) {
    throw new InvalidTokenError(dpopBound
      ? 'A DPoP-bound access token must be sent with the DPoP scheme and a proof (RFC 9449 §7.1).'
      : 'The access token is not DPoP-bound: send it as a Bearer token.', 'dpop.scheme');
  }
  if (claims.cnf && !proves(possession, claims.cnf)) {
    throw new InvalidTokenError('The access token is bound to a key or certificate this request did not prove.', 'token.binding');
  }
}

export async function userinfoEndpoint(req: UserinfoRequest, deps: UserinfoDeps): Promise<Record<string, unknown>> {
  const presented = presentedToken(req);
  let dpopBound = presented.scheme === 'DPoP';
  try {
    const claims = await grantOf(presented.token, deps);
    dpopBound ||= claims.cnf?.jkt !== undefined;
    await checkBinding(claims, presented, req, deps.dpop);
    const user = await deps.users.getUser(claims.sub);
    if (!user) throw new InvalidTokenError('The access token is invalid or expired.', 'token.user_gone');
    // A token issued without any audience also names userinfo, but only OpenID Connect (the openid scope)
    // grants access to it (OIDC Core §5.3); a valid token without it is short of scope (RFC 6750 §3.1),
    // checked after validity so a revoked token is always invalid_token.
    const scope = claims.scope.split(' ');
    if (!scope.includes('openid')) throw new InsufficientScopeError('The access token was not granted the openid scope.');
    return { sub: user.id, ...scopeClaims(user, scope) };
  } catch (err) {
    // RFC 9449 §7.1: DPoP requests and DPoP-bound tokens are answered with a DPoP challenge.
    throw dpopBound && err instanceof OAuthError ? withDpopChallenge(err, deps.dpop.algs) : err;
  }
}
