/**
 * Refresh token families: issue at login, rotate on use (RFC 9700 §4.14.2, RFC 6819 §5.2.2.3).
 *
 * A token is `<selector>.<secret>`: the selector (128 random bits) names the family's one stored record, the secret
 * (256 random bits) is what proves the token, and only the SHA-256 of the whole token is stored. The lookup is by the
 * selector, never by a secret, and the hash is compared in constant time; a rotation rewrites the family's record in
 * place. A token without a dot dates from when every token had a record of its own: its family is found by the token's hash.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { ClientRecord } from '../model/client.ts';
import type { Confirmation, RefreshFamilyRecord, RefreshFamilyState } from '../model/tokens.ts';
import type { RefreshTokenStore } from '../storage/slices/refresh-families.ts';
import { newOpaqueToken, randomBase64url, tokenHash } from './opaque.ts';

export interface FamilyStart {
  client: ClientRecord;
  userId: string;
  connection: string;
  scope: string[];
  audience: string | null;
  authTime: number;
  amr: readonly string[];
  /** What the family is bound to (a public client's proof of possession), or null. */
  cnf: Confirmation | null;
  /** The device it was issued to (the legacy /oauth/ro's `device`), or null. */
  device: string | null;
}

/**
 * The `sid` claim of the access tokens issued with or from a family (RFC 9068 §2.2 allows more claims; OIDC's sid
 * names a session, which a family is): what the denylist refuses when the family is revoked (RFC 7009 §2.1). A
 * SHA-256 of the family id, so a token shows nothing of what the store keeps.
 */
export function sessionIdOf(familyId: string): string {
  return tokenHash(familyId);
}

/** Whether a login gets a refresh token: the client may refresh and offline_access was granted (Auth0 semantics). */
export function wantsRefreshToken(client: ClientRecord, scope: readonly string[]): boolean {
  return client.grant_types.includes('refresh_token') && scope.includes('offline_access');
}

/** A token's selector: the part before its dot (at most 64 characters), or, for an older token without a dot, its hash. */
export function selectorOf(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot === -1) return tokenHash(token);
  return dot > 0 && dot <= 64 ? token.slice(0, dot) : undefined;
}

function newToken(selector: string): { token: string; hash: string } {
  const token = `${selector}.${newOpaqueToken()}`;
  return { token, hash: tokenHash(token) };
}

/** Whether `hash` is one of `hashes`, compared in constant time and without stopping at a match. */
function hashIn(hash: string, hashes: readonly string[]): boolean {
  const presented = Buffer.from(hash);
  let found = false;
  for (const candidate of hashes) {
    const stored = Buffer.from(candidate);
    found = (stored.length === presented.length && timingSafeEqual(stored, presented)) || found;
  }
  return found;
}

/**
 * What a presented token is to the family its selector names: one of its live tokens, one the last rotation
 * consumed, or any other (an older token of the family, whose selector only the family's tokens carry).
 */
export type Presented = 'live' | 'previous' | 'older';

/** A presented token and the family its selector names. */
export interface PresentedToken {
  family: RefreshFamilyRecord;
  hash: string;
  presented: Presented;
}

export function presentedAs(family: RefreshFamilyRecord, hash: string): Presented {
  if (hashIn(hash, family.token_hashes)) return 'live';
  return hashIn(hash, family.previous_hashes) ? 'previous' : 'older';
}

/** The family a token names, and what the token is to it; undefined when no family has its selector. */
export async function findPresented(store: Pick<RefreshTokenStore, 'findRefreshFamily'>, token: string): Promise<PresentedToken | undefined> {
  const selector = selectorOf(token);
  const family = selector === undefined ? undefined : await store.findRefreshFamily(selector);
  if (!family) return undefined;
  const hash = tokenHash(token);
  return { family, hash, presented: presentedAs(family, hash) };
}

/** Whether the family's live tokens can still be used now. */
export function familyLive(family: RefreshFamilyRecord, now: number): boolean {
  return family.revoked_at === null && now < family.family_expires_at && now < family.idle_expires_at;
}

/** The first token of a new family, and the family's id (whose sid the login's access token carries). */
export async function startFamily(store: RefreshTokenStore, start: FamilyStart, now: number): Promise<{ token: string; familyId: string }> {
  const selector = randomBase64url(16);
  const { token, hash } = newToken(selector);
  const familyId = randomUUID();
  const policy = start.client.refresh_token;
  const familyExpiresAt = now + policy.absolute_ttl;
  await store.createRefreshFamily({
    selector,
    family_id: familyId,
    generation: 0,
    token_hashes: [hash],
    previous_hashes: [],
    rotated_at: null,
    client_id: start.client.client_id,
    user_id: start.userId,
    connection: start.connection,
    scope: start.scope,
    audience: start.audience,
    auth_time: start.authTime,
    amr: [...start.amr],
    created_at: now,
    family_expires_at: familyExpiresAt,
    idle_expires_at: Math.min(now + policy.idle_ttl, familyExpiresAt),
    revoked_at: null,
    cnf: start.cnf,
    device: start.device,
  });
  return { token, familyId };
}

/** How many live tokens re-issues within the leeway may leave a family with; beyond it a retry is refused. */
export const MAX_LIVE_TOKENS = 8;

/**
 * The family after a rotation (RFC 6749 §6: the new token has the presented one's scope and binding): one new live
 * token, and every token live until now becomes previous, so the leeway covers only the token just replaced.
 */
export function rotated(family: RefreshFamilyRecord, policy: ClientRecord['refresh_token'], now: number): { token: string; state: RefreshFamilyState } {
  const { token, hash } = newToken(family.selector);
  return {
    token,
    state: {
      generation: family.generation + 1,
      token_hashes: [hash],
      previous_hashes: family.token_hashes,
      rotated_at: now,
      idle_expires_at: Math.min(now + policy.idle_ttl, family.family_expires_at),
    },
  };
}

/** The family after a re-issue within the leeway: another live token of the current generation beside the others. */
export function reissued(family: RefreshFamilyRecord, policy: ClientRecord['refresh_token'], now: number): { token: string; state: RefreshFamilyState } {
  const { token, hash } = newToken(family.selector);
  return {
    token,
    state: {
      generation: family.generation,
      token_hashes: [...family.token_hashes, hash],
      previous_hashes: family.previous_hashes,
      rotated_at: family.rotated_at,
      idle_expires_at: Math.min(now + policy.idle_ttl, family.family_expires_at),
    },
  };
}
