/** Grant types Tollgate implements; each has one file in this folder, registered in registry.ts. */
export const GRANT_TYPES = [
  'password',
  'http://auth0.com/oauth/grant-type/password-realm',
  'refresh_token',
  'client_credentials',
  'http://auth0.com/oauth/grant-type/mfa-otp',
  'http://auth0.com/oauth/grant-type/mfa-oob',
  'http://auth0.com/oauth/grant-type/mfa-recovery-code',
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];
