/** Standard claims released per scope (OIDC Core §5.4), shared by the ID token and /userinfo. */
import type { UserRecord } from '../model/user.ts';

export const SCOPE_CLAIMS = {
  profile: ['name', 'given_name', 'family_name', 'nickname', 'picture', 'updated_at'],
  email: ['email', 'email_verified'],
} as const;

export const SUPPORTED_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'amr', 'azp', ...SCOPE_CLAIMS.profile, ...SCOPE_CLAIMS.email];

export function scopeClaims(user: UserRecord, scopes: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scopes.includes('profile')) {
    for (const key of ['name', 'given_name', 'family_name', 'nickname', 'picture'] as const) {
      if (user[key] !== null) claims[key] = user[key];
    }
    claims.updated_at = user.updated_at;
  }
  if (scopes.includes('email') && user.email !== null) {
    claims.email = user.email;
    claims.email_verified = user.email_verified;
  }
  return claims;
}

/**
 * Claim names nothing but Tollgate itself may set in a token: the registered JWT claims (RFC 7519 §4.1), the ID
 * token's (OIDC Core §2), OAuth's (RFC 9068 §2.2, RFC 7800 §3.1) and OIDC's standard claims (OIDC Core §5.1), so
 * data a user can edit never poses as one of them.
 */
export const PROTECTED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti',
  'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid',
  'scope', 'client_id', 'cnf',
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website',
  'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'address', 'updated_at',
]);
