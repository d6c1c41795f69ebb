/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  /** Always there at /oauth/token; Auth0's legacy /oauth/ro answered without it, and so does Tollgate's. */
  scope?: string;
  id_token?: string;
  refresh_token?: string;
  /** The mfa-recovery-code grant: the code that replaces the one just used (shown once). */
  recovery_code?: string;
}
