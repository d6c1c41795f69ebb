/** The grant table: adding a grant is one file and one line here. */
import type { Grant } from './grant.ts';
import type { GrantType } from '../protocol/grant-types.ts';
import { passwordGrant } from './password.ts';
import { passwordRealmGrant } from './password-realm.ts';
import { refreshTokenGrant } from './refresh-token.ts';
import { clientCredentialsGrant } from './client-credentials.ts';
import { mfaOtpGrant } from './mfa-otp.ts';
import { mfaOobGrant } from './mfa-oob.ts';
import { mfaRecoveryCodeGrant } from './mfa-recovery-code.ts';

export const grants: Record<GrantType, Grant> = {
  password: passwordGrant,
  'http://auth0.com/oauth/grant-type/password-realm': passwordRealmGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
  'http://auth0.com/oauth/grant-type/mfa-otp': mfaOtpGrant,
  'http://auth0.com/oauth/grant-type/mfa-oob': mfaOobGrant,
  'http://auth0.com/oauth/grant-type/mfa-recovery-code': mfaRecoveryCodeGrant,
};

export function findGrant(grantType: string): Grant | undefined {
  return Object.hasOwn(grants, grantType) ? grants[grantType as GrantType] : undefined;
}
