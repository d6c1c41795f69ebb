/**
 * The legacy /oauth/ro's access token (Auth0: "opaque and only valid for calling the /userinfo endpoint"): 256
 * random bits, only their SHA-256 stored, so no API can take it for one of its JWTs and a database dump replays nothing.
 */
import type { LegacyAccessTokenRecord } from '../model/tokens.ts';
import type { LegacyTokenStore } from '../storage/slices/legacy-tokens.ts';
import { notInForce, type InForceDeps } from './in-force.ts';
import { newOpaqueToken, tokenHash } from './opaque.ts';

export interface LegacyTokenGrant {
  clientId: string;
  userId: string;
  scope: readonly string[];
  /** The sid of the refresh-token family issued beside it, if any. */
  sid: string | null;
}

/** Stores a new token's hash; returns the token, shown once. */
export async function issueLegacyToken(store: LegacyTokenStore, grant: LegacyTokenGrant, ttl: number, now: number): Promise<string> {
  const token = newOpaqueToken();
  await store.createLegacyToken({
    id: tokenHash(token), client_id: grant.clientId, user_id: grant.userId, scope: [...grant.scope], created_at: now, expires_at: now + ttl, sid: grant.sid,
  });
  return token;
}

/**
 * The record of a legacy token that can still be used at `now`, or undefined (unknown, revoked, expired, of a
 * revoked family or of a deleted client alike).
 */
export async function liveLegacyToken(
  deps: { legacyTokens: LegacyTokenStore } & InForceDeps, token: string, now: number,
): Promise<LegacyAccessTokenRecord | undefined> {
  const record = await deps.legacyTokens.findLegacyToken(tokenHash(token));
  if (!record || now >= record.expires_at) return undefined;
  // Its own revocation deletes it; its family's denies the sid (RFC 7009 §2.1), as for the family's JWTs.
  if (await notInForce({ jti: record.id, sid: record.sid ?? undefined, client_id: record.client_id }, deps)) return undefined;
  return record;
}

/** Only an opaque token can be a legacy one: a JWS compact serialisation always has dots (RFC 7515 §7.1). */
export function mayBeLegacyToken(token: string): boolean {
  return !token.includes('.');
}
