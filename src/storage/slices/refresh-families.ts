import type { RefreshFamilyRecord, RefreshFamilyState } from '../../model/tokens.ts';

export interface RefreshTokenStore {
  createRefreshFamily(family: RefreshFamilyRecord): Promise<void>;
  findRefreshFamily(selector: string): Promise<RefreshFamilyRecord | undefined>;
  /**
   * One conditional write (compare-and-set): the family takes `next` only if it is unrevoked and its live hashes are
   * still exactly `expected`, so of concurrent rotations of one token exactly one succeeds. False if it did not.
   */
  advanceRefreshFamily(selector: string, expected: readonly string[], next: RefreshFamilyState): Promise<boolean>;
  /** Non-rotating use: pushes the idle expiry forward. */
  touchRefreshFamily(selector: string, idleExpiresAt: number): Promise<void>;
  revokeRefreshFamily(familyId: string, now: number): Promise<void>;
  /** Revokes every unrevoked family of the user; returns their ids, each once. */
  revokeUserRefreshTokens(userId: string, now: number): Promise<string[]>;
}
