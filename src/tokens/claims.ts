/** Standard claims released per scope (OIDC Core §5.4), shared by the ID token and /userinfo. */
import type { UserRecord } from '../storage/interfaces.ts';

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
