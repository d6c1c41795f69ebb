/** JWS algorithms Tollgate signs with (RFC 7518 §3, RFC 8037). */
export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/**
 * Asymmetric JWS algorithms Tollgate verifies from clients: private_key_jwt assertions and DPoP proofs (RFC 7518 §3.1,
 * RFC 8037), and Ed25519, RFC 9864's fully specified name for EdDSA with an Ed25519 key (what openid-client signs with).
 */
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
/** HMAC algorithms of client_secret_jwt, keyed with the client secret (RFC 7518 §3.2, OIDC Core §9). */
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
export type AssertionAlg = (typeof ASYMMETRIC_ALGS)[number] | (typeof HMAC_ALGS)[number];

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
export function hmacKeyBytes(alg: (typeof HMAC_ALGS)[number]): number {
  return Number(alg.slice(2)) / 8;
}

/**
 * RFC 9864 §2: `Ed25519` is EdDSA restricted to Ed25519 keys, and Tollgate's EdDSA keys are all Ed25519 (jose
 * verifies no other curve), so wherever one name is accepted the other is too.
 */
export function withEquivalentAlgs(algs: readonly string[]): string[] {
  const names = new Set(algs);
  if (names.has('EdDSA')) names.add('Ed25519');
  if (names.has('Ed25519')) names.add('EdDSA');
  return [...names];
}
