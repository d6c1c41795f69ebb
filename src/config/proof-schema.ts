/**
 * Configuration of authentication beyond secrets and of sender-constrained tokens: client metadata (RFC 7591 §2,
 * RFC 8705 §2.1.2, §3.4, RFC 9449 §5.2), TLS and mutual TLS (RFC 8705), DPoP (RFC 9449).
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ASYMMETRIC_ALGS, HMAC_ALGS } from '../protocol/algorithms.ts';
import { httpUrl, jsonObject, oneOf } from './fields.ts';

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle. */
export function certificatesOf(pem: string): X509Certificate[] {
  return (pem.match(CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
}

/** PEM text, or the path of a file holding it; read and checked at boot, so a mistake names its key. */
const pem = (kind: 'certificates' | 'private key') => z.string().min(1).transform((value, ctx) => {
  let text = value;
  try {
    if (!value.includes('-----BEGIN ')) text = readFileSync(value, 'utf8');
    if (kind === 'private key') createPrivateKey(text);
    else if (certificatesOf(text).length === 0) throw new Error('no certificate in it');
    return text;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a readable PEM ${kind} (${(err as Error).message.split('\n')[0]})` });
    return z.NEVER;
  }
});

export const tlsSchema = z.strictObject({
  cert: pem('certificates').optional()
    .describe('Tollgate\'s server certificate, then its chain: PEM text or the path of a PEM file. With key, Tollgate serves HTTPS itself.'),
  key: pem('private key').optional().describe('The private key of cert: PEM text or the path of a PEM file.'),
  client_ca: pem('certificates').optional()
    .describe('The CA certificates (a PEM bundle, text or path) whose client certificates tls_client_auth accepts; an intermediate CA is listed next to its root.'),
  request_client_cert: z.boolean().default(false)
    .describe('Ask every TLS client for a certificate (mutual TLS, RFC 8705). A client without one still connects and may authenticate otherwise.'),
  client_certificate_header: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name').transform((name) => name.toLowerCase()).optional()
    .describe('Behind a TLS-terminating proxy: the header it forwards the client certificate in (URL-encoded PEM, PEM, or base64 DER), e.g. x-ssl-client-cert. Believed only from trusted_proxies; ignored from anyone else.'),
  mtls_base_url: httpUrl.optional()
    .describe('Where clients reach the endpoints with mutual TLS when that is not the issuer (e.g. https://mtls.example.com): published as mtls_endpoint_aliases (RFC 8705 §5) and accepted as an assertion audience and a DPoP htu.'),
}).optional().describe('TLS, and client certificates for mutual TLS (RFC 8705).');

export const dpopSchema = z.strictObject({
  signing_algs: z.array(oneOf(ASYMMETRIC_ALGS, 'DPoP signing algorithm')).min(1).default([...ASYMMETRIC_ALGS])
    .describe('JWS algorithms accepted for DPoP proofs (dpop_signing_alg_values_supported).'),
  proof_lifetime: z.number().int().min(1).max(600).default(60)
    .describe('Seconds a proof is accepted before and after its iat; its jti is remembered that long, on every node (RFC 9449 §11.1).'),
  require_nonce: z.boolean().default(false)
    .describe('Require a nonce from Tollgate in every proof (RFC 9449 §8): without a fresh one the answer is use_dpop_nonce with a DPoP-Nonce header.'),
  nonce_lifetime: z.number().int().min(10).max(3600).default(300)
    .describe('Seconds a nonce stays valid; a new one is handed out every half of it.'),
}).prefault({}).describe('DPoP, sender-constrained tokens bound to a key the client holds (RFC 9449).');

const ip = z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address' });

export const clientProofFields = {
  token_endpoint_auth_signing_alg: oneOf([...HMAC_ALGS, ...ASYMMETRIC_ALGS], 'signing algorithm').optional()
    .describe('client_secret_jwt, private_key_jwt: the one JWS algorithm of the client\'s assertions (RFC 7591 §2); any other, and none, is refused. Default: HS256 for client_secret_jwt, RS256 for private_key_jwt.'),
  jwks: z.strictObject({ keys: z.array(jsonObject()).min(1).describe('Public JWKs (RFC 7517 §4), with kid when there are several.') }).optional()
    .describe('private_key_jwt, self_signed_tls_client_auth: the client\'s public keys as a JWK Set (RFC 7517 §5); a self-signed certificate goes in a key\'s x5c.'),
  jwks_uri: httpUrl.optional()
    .describe('Instead of jwks: where to fetch them (https; 5 s timeout, 64 KiB at most, kept 10 minutes, fetched again for an unknown key at most every 30 s).'),
  tls_client_auth_subject_dn: z.string().min(1).optional()
    .describe('tls_client_auth: the certificate\'s subject as an RFC 4514 string, e.g. "CN=client,O=Example,C=US". Give exactly one of this and the tls_client_auth_san_* keys (RFC 8705 §2.1.2).'),
  tls_client_auth_san_dns: z.string().min(1).optional().describe('tls_client_auth: a dNSName the certificate must carry (exactly; no wildcards).'),
  tls_client_auth_san_uri: z.string().min(1).optional().describe('tls_client_auth: a uniformResourceIdentifier the certificate must carry.'),
  tls_client_auth_san_ip: ip.optional().describe('tls_client_auth: an iPAddress the certificate must carry.'),
  tls_client_auth_san_email: z.string().min(1).optional().describe('tls_client_auth: an rfc822Name the certificate must carry.'),
  tls_client_certificate_bound_access_tokens: z.boolean().default(false)
    .describe('Bind the client\'s access tokens (and a public client\'s refresh tokens) to its TLS client certificate (RFC 8705 §3).'),
  dpop_bound_access_tokens: z.boolean().default(false)
    .describe('Refuse the client\'s token requests that carry no DPoP proof (RFC 9449 §5.2).'),
};
