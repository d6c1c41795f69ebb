/** JWS algorithms Tollgate signs with (RFC 7518 §3, RFC 8037). */
export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
