/** Tokens at rest: refresh-token families, the legacy opaque access tokens, the denylist's entries. */

/** What a token is bound to (RFC 7800 §3.1 cnf): a TLS client certificate (RFC 8705 §3.1), a DPoP key (RFC 9449 §6.1). */
export interface Confirmation {
  /** base64url SHA-256 of the DER certificate. */
  'x5t#S256'?: string;
  /** The JWK SHA-256 thumbprint (RFC 7638) of the DPoP proof key. */
  jkt?: string;
}

/** What a login granted, carried by the tokens that continue it (a refresh token, an mfa_token). */
export interface LoginGrant {
  client_id: string;
  user_id: string;
  connection: string;
  scope: string[];
  audience: string | null;
  auth_time: number;
  /** Authentication methods (RFC 8176) shown so far. */
  amr: string[];
}

/**
 * A refresh-token family at rest: one record from the login to the family's end, however often it rotates, holding
 * only SHA-256 hashes of its tokens (RFC 9700 §4.14.2, RFC 6819 §5.1.4.1.3 and §5.2.2.3). A token names its family
 * by the selector it carries (tokens/refresh.ts), so a rotation rewrites this record in place and no index.
 */
export interface RefreshFamilyRecord extends LoginGrant {
  /** The lookup half of every token of the family; not a secret. */
  selector: string;
  /** Whose sid the family's access tokens carry; every record of a family shares it (see refresh.ts). */
  family_id: string;
  /** Rotations so far: 0 for the login's token. */
  generation: number;
  /** SHA-256 of each live token: one, or a few more after re-issues within the leeway. */
  token_hashes: string[];
  /** SHA-256 of the tokens the last rotation consumed: presenting one again is a retry, a lost race or reuse. */
  previous_hashes: string[];
  /** When the last rotation happened; null before the first. */
  rotated_at: number | null;
  created_at: number;
  /** Absolute expiry of the family. */
  family_expires_at: number;
  idle_expires_at: number;
  revoked_at: number | null;
  /** A public client's tokens are bound to what it proved at login; each use must prove it again (RFC 8705 §4, RFC 9449 §5). */
  cnf: Confirmation | null;
  /** The device the family was issued to: the legacy /oauth/ro's `device` parameter; null from /oauth/token. */
  device: string | null;
}

/** What a rotation or a re-issue within the leeway writes to a family. */
export type RefreshFamilyState = Pick<RefreshFamilyRecord, 'generation' | 'token_hashes' | 'previous_hashes' | 'rotated_at' | 'idle_expires_at'>;

/** An opaque access token of the legacy /oauth/ro, good only at /userinfo, as Auth0's was: only its SHA-256 is kept. */
export interface LegacyAccessTokenRecord {
  /** SHA-256 of the token. */
  id: string;
  client_id: string;
  user_id: string;
  /** The OIDC scopes granted (openid, profile, email, offline_access): what /userinfo releases. */
  scope: string[];
  created_at: number;
  expires_at: number;
  /** The sid of the refresh-token family issued with it, so revoking the family denies it too (RFC 7009 §2.1); else null. */
  sid: string | null;
}

/** What the denylist knows an access token by: its own jti, and the sid of the refresh-token family it belongs to, if any. */
export interface DeniableToken {
  jti: string;
  sid?: string | undefined;
}

/** One denylist entry: a jti, or "sid:" and a family's sid (denylist-keys.ts), denied until `expires_at`. */
export interface DeniedEntry {
  key: string;
  expires_at: number;
}
