import type { LegacyAccessTokenRecord } from '../../model/tokens.ts';

export interface LegacyTokenStore {
  createLegacyToken(token: LegacyAccessTokenRecord): Promise<void>;
  findLegacyToken(id: string): Promise<LegacyAccessTokenRecord | undefined>;
  /** Revocation (RFC 7009): the token is forgotten. False when there was no such token. */
  deleteLegacyToken(id: string): Promise<boolean>;
  /** Deletes expired tokens; returns how many went. */
  purge(now: number): Promise<number>;
}
