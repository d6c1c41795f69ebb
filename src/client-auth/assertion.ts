/**
 * JWT client assertions (RFC 7523 §2.2, §3; OIDC Core §9), shared by client_secret_jwt (HMAC with the client
 * secret) and private_key_jwt (the client's own key pair). The header's alg says which method a request used;
 * the client's registration says which it must use, so one can never stand in for the other.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { InvalidClientError, InvalidRequestError } from '../errors/oauth.ts';
import { withEquivalentAlgs } from '../protocol/algorithms.ts';
import type { ClientRecord } from '../model/client.ts';
import { VERIFIED, refused, type AuthInput, type ClientAuthDeps, type Presented, type Verdict } from './method.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** An assertion may expire at most this many seconds ahead: it is a one-time credential, not a session. */
export const MAX_ASSERTION_LIFETIME = 300;
/** Seconds of clock difference tolerated between the client and Tollgate. */
export const CLOCK_SKEW = 30;
/** Longer jtis are refused rather than remembered. */
const MAX_JTI_LENGTH = 256;

/** The assertion in the request, if its alg belongs to this method's family (HMAC or asymmetric). */
export function extractAssertion(input: AuthInput, method: 'client_secret_jwt' | 'private_key_jwt'): Presented | undefined {
  const type = input.params.get('client_assertion_type');
  const assertion = input.params.get('client_assertion');
  if (type === undefined && assertion === undefined) return undefined;
  if (type === undefined) throw new InvalidRequestError('Missing required parameter: client_assertion_type.');
  if (type !== JWT_BEARER) throw new InvalidRequestError(`The client_assertion_type must be ${JWT_BEARER} (RFC 7523 §2.2).`);
  if (assertion === undefined) throw new InvalidRequestError('Missing required parameter: client_assertion.');
  const malformed = (context: string) => new InvalidClientError('The client assertion is malformed.', `client_auth.assertion: ${context}`);
  let alg: unknown;
  let sub: unknown;
  try {
    alg = decodeProtectedHeader(assertion).alg;
    sub = decodeJwt(assertion).sub;
  } catch {
    throw malformed('not a JWT');
  }
  // RFC 7523 §3 item 2: the subject is the client_id.
  if (typeof sub !== 'string' || sub === '') throw malformed('no sub');
  const hmac = typeof alg === 'string' && alg.startsWith('HS');
  if (hmac !== (method === 'client_secret_jwt')) return undefined;
  return { method, clientId: sub, viaHeader: false, assertion };
}

/** RFC 7523 §3: signature, iss = sub = client_id, aud, exp (at most MAX_ASSERTION_LIFETIME ahead), and a jti used once. */
export async function verifyAssertion(
  presented: Presented, client: ClientRecord, key: JWTVerifyGetKey | Uint8Array, deps: ClientAuthDeps,
): Promise<Verdict> {
  const now = deps.now();
  const alg = client.token_endpoint_auth_signing_alg;
  if (presented.assertion === undefined || alg === undefined) return refused('client_auth.assertion: none, or no registered algorithm');
  let payload;
  try {
    ({ payload } = await jwtVerify(presented.assertion, key as JWTVerifyGetKey, {
      issuer: client.client_id,
      subject: client.client_id,
      audience: [...deps.assertionAudiences],
      // Only the registered algorithm: never none, never a symmetric one for a key pair.
      algorithms: withEquivalentAlgs([alg]),
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now * 1000),
      clockTolerance: CLOCK_SKEW,
    }));
  } catch (err) {
    // An unknown kid goes back to ClientKeys.withKeys, which fetches the client's keys again once.
    if (err instanceof errors.JWKSNoMatchingKey) throw err;
    return refused(`client_auth.assertion: ${err instanceof errors.JOSEError ? err.code : 'invalid'}${err instanceof errors.JWTClaimValidationFailed ? ` (${err.claim})` : ''}`);
  }
  const { exp, jti } = payload as { exp: number; jti: unknown };
  if (exp > now + MAX_ASSERTION_LIFETIME + CLOCK_SKEW) return refused('client_auth.assertion: exp too far ahead');
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) return refused('client_auth.assertion: unusable jti');
  // RFC 7523 §3 item 7: remembered until the assertion could no longer be accepted, in the shared store (every node).
  if (!(await deps.singleUse.useOnce(`jwt:${client.client_id}:${jti}`, exp + CLOCK_SKEW, now))) return refused('client_auth.assertion: jti replayed');
  return VERIFIED;
}
