/** Refresh token families: issue at login, rotate on use (RFC 9700 §4.14.2, RFC 6819 §5.2.2.3). */
import { randomUUID } from 'node:crypto';
import type { ClientRecord, Confirmation, RefreshTokenRecord, RefreshTokenStore } from '../storage/interfaces.ts';
import { newOpaqueToken, tokenHash } from './opaque.ts';

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

/** The first token of a new family, and the family's id (whose sid the login's access token carries). */
export async function startFamily(store: RefreshTokenStore, start: FamilyStart, now: number): Promise<{ token: string; familyId: string }> {
  const token = newOpaqueToken();
  const familyId = randomUUID();
  const policy = start.client.refresh_token;
  const familyExpiresAt = now + policy.absolute_ttl;
  await store.createRefreshToken({
    id: tokenHash(token),
    family_id: familyId,
    generation: 0,
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
    consumed_at: null,
    revoked_at: null,
    cnf: start.cnf,
    device: start.device,
  });
  return { token, familyId };
}

/** The next token of `parent`'s family, with the same binding and scope (RFC 6749 §6: identical to the presented token's). */
export function successorOf(parent: RefreshTokenRecord, policy: ClientRecord['refresh_token'], now: number): { token: string; record: RefreshTokenRecord } {
  const token = newOpaqueToken();
  return {
    token,
    record: {
      ...parent,
      id: tokenHash(token),
      generation: parent.generation + 1,
      created_at: now,
      idle_expires_at: Math.min(now + policy.idle_ttl, parent.family_expires_at),
      consumed_at: null,
      revoked_at: null,
    },
  };
}
