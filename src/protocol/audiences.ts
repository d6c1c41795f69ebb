/** The MFA API as a resource server: Auth0's audience `{issuer}/mfa/` and the scopes its endpoints accept. */
import type { ApiRecord } from '../model/directory.ts';

export const MFA_SCOPES = ['enroll', 'read:authenticators', 'remove:authenticators'] as const;

export function mfaAudience(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/mfa/`;
}

export function mfaApi(issuer: string): ApiRecord {
  return { identifier: mfaAudience(issuer), name: 'MFA API', scopes: [...MFA_SCOPES], access_token_ttl: null };
}
