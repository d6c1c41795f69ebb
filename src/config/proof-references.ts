/** Cross-checks of client authentication beyond secrets, TLS and certificate-bound tokens (RFC 7523, RFC 8705). */
import type { ClientConfig, Config } from './schema.ts';
import { CERTIFICATE_METHODS, SECRET_METHODS } from '../protocol/client-auth-methods.ts';
import { HMAC_ALGS, hmacKeyBytes } from '../protocol/algorithms.ts';

const TLS_NAMES = ['tls_client_auth_subject_dn', 'tls_client_auth_san_dns', 'tls_client_auth_san_uri', 'tls_client_auth_san_ip', 'tls_client_auth_san_email'] as const;
/** JWK members that hold private or secret key material (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const isHmac = (alg: string) => (HMAC_ALGS as readonly string[]).includes(alg);

/** Whether Tollgate can see client certificates: its own TLS asks for them, or a proxy forwards them. */
export function hasCertificateSource(config: Config): boolean {
  return (config.tls?.cert !== undefined && config.tls.request_client_cert) || config.tls?.client_certificate_header !== undefined;
}

function clientProblems(client: ClientConfig, at: string, config: Config): string[] {
  const problems: string[] = [];
  const method = client.token_endpoint_auth_method;
  const alg = client.token_endpoint_auth_signing_alg;
  if (alg !== undefined && method !== 'client_secret_jwt' && method !== 'private_key_jwt') {
    problems.push(`${at}.token_endpoint_auth_signing_alg: only for client_secret_jwt and private_key_jwt`);
  }
  if (method === 'client_secret_jwt') {
    if (alg !== undefined && !isHmac(alg)) problems.push(`${at}.token_endpoint_auth_signing_alg: client_secret_jwt uses HS256, HS384 or HS512`);
    if (client.client_secret_hash !== undefined) {
      problems.push(`${at}.client_secret_hash: client_secret_jwt needs the secret itself as its HMAC key (OIDC Core §9): give client_secret`);
    }
    const bytes = hmacKeyBytes((alg ?? 'HS256') as (typeof HMAC_ALGS)[number]);
    if (client.client_secret !== undefined && Buffer.byteLength(client.client_secret) < bytes) {
      problems.push(`${at}.client_secret: ${alg ?? 'HS256'} needs a secret of at least ${bytes} bytes (RFC 7518 §3.2)`);
    }
  }
  if (method === 'private_key_jwt' && alg !== undefined && isHmac(alg)) {
    problems.push(`${at}.token_endpoint_auth_signing_alg: private_key_jwt uses an asymmetric algorithm`);
  }
  if (method === 'private_key_jwt' || method === 'self_signed_tls_client_auth') {
    if ((client.jwks === undefined) === (client.jwks_uri === undefined)) problems.push(`${at}: ${method} needs exactly one of jwks or jwks_uri`);
  }
  if (method === 'self_signed_tls_client_auth' && client.jwks && !client.jwks.keys.some((k) => Array.isArray(k.x5c))) {
    problems.push(`${at}.jwks: self_signed_tls_client_auth needs a key with the certificate in x5c (RFC 8705 §2.2)`);
  }
  client.jwks?.keys.forEach((key, i) => {
    const secret = PRIVATE_MEMBERS.find((m) => m in key);
    if (secret) problems.push(`${at}.jwks.keys[${i}].${secret}: only public keys belong here`);
  });
  const names = TLS_NAMES.filter((name) => client[name] !== undefined);
  if (method === 'tls_client_auth') {
    if (names.length !== 1) problems.push(`${at}: tls_client_auth needs exactly one of ${TLS_NAMES.join(', ')} (RFC 8705 §2.1.2)`);
    if (config.tls?.client_ca === undefined) problems.push(`${at}: tls_client_auth needs tls.client_ca, the CAs its certificate may come from`);
  } else {
    for (const name of names) problems.push(`${at}.${name}: only for tls_client_auth`);
  }
  const needsCertificate = CERTIFICATE_METHODS.includes(method) || client.tls_client_certificate_bound_access_tokens;
  if (needsCertificate && !hasCertificateSource(config)) {
    problems.push(`${at}: client certificates need tls.cert with tls.request_client_cert, or tls.client_certificate_header behind a proxy`);
  }
  return problems;
}

export function checkProofReferences(config: Config): string[] {
  const problems = config.clients.flatMap((client, i) => clientProblems(client, `clients[${i}]`, config));
  const tls = config.tls;
  if (tls && (tls.cert === undefined) !== (tls.key === undefined)) problems.push('tls: give cert and key together');
  if (tls?.request_client_cert && tls.cert === undefined) problems.push('tls.request_client_cert: needs tls.cert and tls.key (Tollgate\'s own TLS)');
  if (tls?.client_certificate_header !== undefined && config.trusted_proxies.length === 0) {
    problems.push('tls.client_certificate_header: believed only from trusted_proxies, and none is configured');
  }
  return problems;
}

/** Whether a client's method proves a secret (client_secret_basic, _post, _jwt). */
export const usesSecret = (client: ClientConfig): boolean => SECRET_METHODS.includes(client.token_endpoint_auth_method);
