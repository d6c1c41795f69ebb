/** Calls to Tollgate from the browser: the realm list, the token endpoint (with DPoP proofs), the MFA API, revocation. */
import { proof } from './dpop-key.ts';

export interface AppConfig {
  issuer: string;
  clientId: string;
  apiUrl: string;
  audience: string;
}

export interface Realm {
  name: string;
  display_name: string | null;
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
  id_token?: string;
}

/** An RFC 6749 §5.2 error answer, or the network failing. */
export class OAuthFailure extends Error {
  readonly status: number;
  readonly error: string;
  readonly body: Record<string, unknown>;
  readonly retryAfter: number | undefined;
  constructor(status: number, body: Record<string, unknown>, retryAfter: number | undefined) {
    super(typeof body.error_description === 'string' ? body.error_description : String(body.error ?? `HTTP ${status}`));
    this.status = status;
    this.error = String(body.error ?? 'network_error');
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

async function answer<T>(res: Response): Promise<T> {
  const body = res.status === 204 || res.headers.get('content-length') === '0' ? {} : await res.json().catch(() => ({}));
  if (!res.ok) {
    const retry = Number(res.headers.get('retry-after'));
    throw new OAuthFailure(res.status, body as Record<string, unknown>, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  return body as T;
}

export async function fetchRealms(config: AppConfig): Promise<Realm[]> {
  const url = `${config.issuer}/realms?client_id=${encodeURIComponent(config.clientId)}`;
  return (await answer<{ realms: Realm[] }>(await fetch(url))).realms;
}

/**
 * POST /oauth/token with a DPoP proof, so the tokens are bound to the key (RFC 9449 §5). When Tollgate asks for a
 * nonce (use_dpop_nonce, §8), the request is made once more with it.
 */
export async function tokenRequest(config: AppConfig, key: CryptoKeyPair, params: Record<string, string>): Promise<Tokens> {
  const url = `${config.issuer}/oauth/token`;
  const body = new URLSearchParams({ client_id: config.clientId, ...params });
  const send = async (nonce?: string) =>
    fetch(url, { method: 'POST', body, headers: { dpop: await proof(key, 'POST', url, nonce ? { nonce } : {}) } });
  let res = await send();
  const nonce = res.headers.get('dpop-nonce');
  if (res.status === 400 && nonce) {
    const first = await res.clone().json().catch(() => ({}));
    if ((first as { error?: string }).error === 'use_dpop_nonce') res = await send(nonce);
  }
  return answer<Tokens>(res);
}

export interface Authenticator {
  id: string;
  authenticator_type: string;
  active: boolean;
}

export async function listAuthenticators(config: AppConfig, mfaToken: string): Promise<Authenticator[]> {
  return answer(await fetch(`${config.issuer}/mfa/authenticators`, { headers: { authorization: `Bearer ${mfaToken}` } }));
}

export interface OtpEnrolment {
  secret: string;
  barcode_uri: string;
  recovery_codes?: string[];
}

/** Enrols an authenticator app for a user who has none (Auth0's MFA API); its first code confirms it. */
export async function associateOtp(config: AppConfig, mfaToken: string): Promise<OtpEnrolment> {
  return answer(await fetch(`${config.issuer}/mfa/associate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mfaToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: config.clientId, authenticator_types: ['otp'] }),
  }));
}

/** RFC 7009: the refresh token, and with it every access token issued from its family, stops working. */
export async function revokeRefreshToken(config: AppConfig, refreshToken: string): Promise<void> {
  const body = new URLSearchParams({ client_id: config.clientId, token: refreshToken, token_type_hint: 'refresh_token' });
  await answer(await fetch(`${config.issuer}/oauth/revoke`, { method: 'POST', body }));
}
