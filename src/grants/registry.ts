/** The grant table: adding a grant is one file and one line here. */
import type { Grant } from './grant.ts';
import type { GrantType } from './names.ts';
import { passwordGrant } from './password.ts';
import { passwordRealmGrant } from './password-realm.ts';
import { refreshTokenGrant } from './refresh-token.ts';
import { clientCredentialsGrant } from './client-credentials.ts';

export const grants: Record<GrantType, Grant> = {
  password: passwordGrant,
  'http://auth0.com/oauth/grant-type/password-realm': passwordRealmGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

export function findGrant(grantType: string): Grant | undefined {
  return Object.hasOwn(grants, grantType) ? grants[grantType as GrantType] : undefined;
}
