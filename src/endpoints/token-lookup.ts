/**
 * Finding what a presented token is, for revocation and introspection: an
 * access token Tollgate signed (not denied), a refresh token by its family's selector, or
 * an opaque access token of the legacy /oauth/ro (live) by its hash.
 */
import type { AccessTokenClaims, TokenIssuer } from '../tokens/issuer.ts';
import { notInForce, type InForceDeps } from '../tokens/in-force.ts';
import type { LegacyAccessTokenRecord, RefreshFamilyRecord } from '../model/tokens.ts';
import type { LegacyTokenStore } from '../storage/slices/legacy-tokens.ts';
import type { RefreshTokenStore } from '../storage/slices/refresh-families.ts';
import { familyLive, findPresented, type Presented } from '../tokens/refresh.ts';
import { liveLegacyToken, mayBeLegacyToken } from '../tokens/legacy-token.ts';

export type FoundToken =
  | { kind: 'access_token'; claims: AccessTokenClaims }
  | { kind: 'refresh_token'; record: RefreshFamilyRecord; presented: Presented }
  | { kind: 'legacy_access_token'; record: LegacyAccessTokenRecord };

export interface LookupDeps extends InForceDeps {
  issuer: TokenIssuer;
  refreshTokens: RefreshTokenStore;
  legacyTokens: LegacyTokenStore;
  now: () => number;
}

async function asAccessToken(token: string, deps: LookupDeps): Promise<FoundToken | undefined> {
  const claims = await deps.issuer.verifyAccessToken(token).catch(() => undefined);
  if (!claims || (await notInForce(claims, deps))) return undefined;
  return { kind: 'access_token', claims };
}

async function asRefreshToken(token: string, deps: LookupDeps): Promise<FoundToken | undefined> {
  const found = await findPresented(deps.refreshTokens, token);
  return found ? { kind: 'refresh_token', record: found.family, presented: found.presented } : undefined;
}

async function asLegacyToken(token: string, deps: LookupDeps): Promise<FoundToken | undefined> {
  const record = mayBeLegacyToken(token) ? await liveLegacyToken(deps, token, deps.now()) : undefined;
  return record ? { kind: 'legacy_access_token', record } : undefined;
}

/** RFC 7009 §2.1 / RFC 7662 §2.1: the hint says where to look first; other types are still searched. */
export async function findToken(token: string, hint: string | undefined, deps: LookupDeps): Promise<FoundToken | undefined> {
  const order = hint === 'refresh_token' ? [asRefreshToken, asAccessToken, asLegacyToken] : [asAccessToken, asLegacyToken, asRefreshToken];
  for (const lookup of order) {
    const found = await lookup(token, deps);
    if (found) return found;
  }
  return undefined;
}

/** Whether a refresh token can still be used now: a live token of a live family. */
export function refreshTokenLive(found: Extract<FoundToken, { kind: 'refresh_token' }>, now: number): boolean {
  return found.presented === 'live' && familyLive(found.record, now);
}
