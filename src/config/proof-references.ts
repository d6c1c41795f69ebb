/** Cross-checks of client authentication beyond secrets (RFC 7523). */
import type { ClientConfig, Config } from './schema.ts';
import { SECRET_METHODS } from '../client-auth/names.ts';
import { HMAC_ALGS, hmacKeyBytes } from '../keys/algorithms.ts';

/** JWK members that hold private or secret key material (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const isHmac = (alg: string) => (HMAC_ALGS as readonly string[]).includes(alg);

function clientProblems(client: ClientConfig, at: string): string[] {
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
  if (method === 'private_key_jwt' && (client.jwks === undefined) === (client.jwks_uri === undefined)) {
    problems.push(`${at}: ${method} needs exactly one of jwks or jwks_uri`);
  }
  client.jwks?.keys.forEach((key, i) => {
    const secret = PRIVATE_MEMBERS.find((m) => m in key);
    if (secret) problems.push(`${at}.jwks.keys[${i}].${secret}: only public keys belong here`);
  });
  return problems;
}

export function checkProofReferences(config: Config): string[] {
  return config.clients.flatMap((client, i) => clientProblems(client, `clients[${i}]`));
}

/** Whether a client's method proves a secret (client_secret_basic, _post, _jwt). */
export const usesSecret = (client: ClientConfig): boolean => SECRET_METHODS.includes(client.token_endpoint_auth_method);
