/**
 * Sender-constrained tokens (RFC 7800 §3.1 cnf): what a token request proves possession of, what its tokens are
 * bound to, and whether a later request proves the same.
 */
import { timingSafeEqual, type X509Certificate } from 'node:crypto';
import { certificateThumbprint } from '../client-auth/certificates.ts';
import type { ClientRecord } from '../model/client.ts';
import type { Confirmation } from '../model/tokens.ts';

/**
 * The access token's cnf: the certificate's thumbprint when the client registered for certificate-bound tokens
 * (RFC 8705 §3), and the key of the request's DPoP proof whenever it sent one (RFC 9449 §5).
 */
export function accessTokenBinding(client: ClientRecord, possession: Confirmation): Confirmation | undefined {
  const cnf: Confirmation = {};
  if (client.tls_client_certificate_bound_access_tokens && possession['x5t#S256']) cnf['x5t#S256'] = possession['x5t#S256'];
  if (possession.jkt) cnf.jkt = possession.jkt;
  return Object.keys(cnf).length > 0 ? cnf : undefined;
}

/** RFC 9449 §5: a DPoP-bound token is used with the DPoP scheme; a certificate-bound one stays Bearer (RFC 8705 §3). */
export function tokenType(cnf: Confirmation | undefined): 'DPoP' | 'Bearer' {
  return cnf?.jkt ? 'DPoP' : 'Bearer';
}

/** What a TLS client certificate proves (RFC 8705 §3.1). */
export function certificatePossession(certificate: X509Certificate | undefined): Confirmation {
  return certificate ? { 'x5t#S256': certificateThumbprint(certificate) } : {};
}

/**
 * RFC 8705 §4, RFC 9449 §5: a public client's refresh tokens are bound like its access tokens, since nothing else stops a
 * thief from using them; a confidential client's are bound to it by its authentication already.
 */
export function refreshTokenBinding(client: ClientRecord, possession: Confirmation): Confirmation | null {
  return client.token_endpoint_auth_method === 'none' ? accessTokenBinding(client, possession) ?? null : null;
}

function same(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `possession` proves every binding `cnf` holds. */
export function proves(possession: Confirmation, cnf: Confirmation): boolean {
  return Object.entries(cnf).every(([member, value]) => same(possession[member as keyof Confirmation], value));
}
