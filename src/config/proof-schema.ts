/** Configuration of authentication beyond secrets: client metadata (RFC 7591 §2). */
import { z } from 'zod';
import { ASYMMETRIC_ALGS, HMAC_ALGS } from '../keys/algorithms.ts';
import { httpUrl, oneOf } from './fields.ts';

export const clientProofFields = {
  token_endpoint_auth_signing_alg: oneOf([...HMAC_ALGS, ...ASYMMETRIC_ALGS], 'signing algorithm').optional()
    .describe('client_secret_jwt, private_key_jwt: the one JWS algorithm of the client\'s assertions (RFC 7591 §2); any other, and none, is refused. Default: HS256 for client_secret_jwt, RS256 for private_key_jwt.'),
  jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1).describe('Public JWKs (RFC 7517 §4), with kid when there are several.') }).optional()
    .describe('private_key_jwt: the client\'s public keys as a JWK Set (RFC 7517 §5).'),
  jwks_uri: httpUrl.optional()
    .describe('Instead of jwks: where to fetch them (https; 5 s timeout, 64 KiB at most, kept 10 minutes, fetched again for an unknown key at most every 30 s).'),
};
