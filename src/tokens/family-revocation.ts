/**
 * Ending refresh-token families together with the access tokens issued with or from them. RFC 7009 §2.1: "If the
 * particular token is a refresh token and the authorization server supports the revocation of access tokens, then
 * the authorization server SHOULD also invalidate all access tokens based on the same authorization grant". Those
 * tokens carry the family's sid (refresh.ts sessionIdOf), and the denylist refuses it for as long as any of them can
 * be unexpired. Every place that revokes a family goes through here: /oauth/revoke, reuse detection, a blocked or
 * deleted user, a password change.
 */
import type { DenylistStore } from '../storage/slices/denylist.ts';
import type { ApiStore } from '../storage/slices/apis.ts';
import type { RefreshTokenStore } from '../storage/slices/refresh-families.ts';
import { sessionIdOf } from './refresh.ts';

/**
 * Seconds a family's denial outlives the longest access-token lifetime: for an access token a refresh signed just
 * after it read the family still live, and for nodes whose clocks are behind this one's.
 */
const MARGIN = 60;

export type FamilyRevocationStore = { readonly refreshFamilies: Pick<RefreshTokenStore, 'revokeRefreshFamily' | 'revokeUserRefreshTokens'> }
  & { readonly denylist: Pick<DenylistStore, 'denySession'> } & { readonly apis: Pick<ApiStore, 'listApis'> };

export class FamilyRevocation {
  readonly #store: FamilyRevocationStore;
  readonly #accessTokenTtl: number;
  readonly #now: () => number;

  /** `accessTokenTtl`: tokens.access_token_ttl, the lifetime of access tokens for APIs that set none. */
  constructor(deps: { store: FamilyRevocationStore; accessTokenTtl: number; now: () => number }) {
    this.#store = deps.store;
    this.#accessTokenTtl = deps.accessTokenTtl;
    this.#now = deps.now;
  }

  /** Revokes one family (RFC 6819 §5.2.2.3) and its access tokens. */
  async revokeFamily(familyId: string): Promise<void> {
    const now = this.#now();
    await this.#store.refreshFamilies.revokeRefreshFamily(familyId, now);
    await this.#deny([familyId], now);
  }

  /** Revokes every family of a user (blocked, deleted, a new password) and their access tokens. */
  async revokeUser(userId: string): Promise<void> {
    const now = this.#now();
    await this.#deny(await this.#store.refreshFamilies.revokeUserRefreshTokens(userId, now), now);
  }

  async #deny(familyIds: string[], now: number): Promise<void> {
    if (familyIds.length === 0) return;
    const until = now + (await this.#longestAccessTokenTtl()) + MARGIN;
    await Promise.all(familyIds.map((id) => this.#store.denylist.denySession(sessionIdOf(id), until)));
  }

  /** The lifetime of the longest-lived access token an API can have now (an API's own access_token_ttl, or the default). */
  async #longestAccessTokenTtl(): Promise<number> {
    const apis = await this.#store.apis.listApis();
    return Math.max(this.#accessTokenTtl, ...apis.map((api) => api.access_token_ttl ?? 0));
  }
}
