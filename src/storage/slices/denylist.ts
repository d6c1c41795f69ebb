import type { DeniableToken, DeniedEntry } from '../../model/tokens.ts';

/**
 * Revoked access tokens (RFC 7009 §2), each entry kept until it can no longer matter: one token by its jti, or every
 * access token issued with or from a refresh-token family by the family's sid (§2.1).
 */
export interface DenylistStore {
  /** Denies one access token until `expiresAt` (its exp). */
  denyAccessToken(jti: string, expiresAt: number): Promise<void>;
  /** Denies every access token carrying `sid` until `expiresAt` (past the exp of any of them). */
  denySession(sid: string, expiresAt: number): Promise<void>;
  /** Whether the token is denied by its jti or by its sid: one lookup. */
  isAccessTokenDenied(token: DeniableToken): Promise<boolean>;
  /**
   * Entries still in force at `now` (expires_at after it), by key (../denylist-keys.ts) past `after`, at most `limit`,
   * in key order: a cache that lost its copy reads them all back, a page at a time.
   */
  listDenied(after: string, limit: number, now: number): Promise<DeniedEntry[]>;
}
