/**
 * Client authentication (RFC 6749 §2.3): find which method the request used, refuse more than one, and verify
 * it against the client's registered method.
 */
import { InvalidClientError, InvalidRequestError } from '../errors/oauth.ts';
import type { ClientRecord } from '../model/client.ts';
import type { ClientStore } from '../storage/slices/clients.ts';
import type { AuthInput, ClientAuthDeps, ClientAuthMethodModule, Presented } from './method.ts';
import type { ClientAuthMethod } from '../protocol/client-auth-methods.ts';
import { clientSecretBasic } from './client-secret-basic.ts';
import { clientSecretPost } from './client-secret-post.ts';
import { clientSecretJwt } from './client-secret-jwt.ts';
import { privateKeyJwt } from './private-key-jwt.ts';
import { tlsClientAuth } from './tls-client-auth.ts';
import { selfSignedTlsClientAuth } from './self-signed-tls-client-auth.ts';
import { none } from './none.ts';
import type { Detail } from '../errors/details.ts';

const methods: Record<ClientAuthMethod, ClientAuthMethodModule> = {
  client_secret_basic: clientSecretBasic,
  client_secret_post: clientSecretPost,
  client_secret_jwt: clientSecretJwt,
  private_key_jwt: privateKeyJwt,
  tls_client_auth: tlsClientAuth,
  self_signed_tls_client_auth: selfSignedTlsClientAuth,
  none,
};

export interface AuthenticatedClient {
  client: ClientRecord;
  method: ClientAuthMethod;
}

function presentedCredentials(input: AuthInput): Presented {
  const proofs = Object.values(methods).flatMap((m) => m.extract?.(input) ?? []);
  // RFC 6749 §2.3.1: client credentials come in the Authorization header only as Basic. Any other scheme (Digest,
  // Bearer) is a failed attempt through the header, which §5.2 answers 401 with a challenge, whatever the body holds.
  if (input.authorization !== undefined && !proofs.some((p) => p.viaHeader)) {
    throw new InvalidClientError('The Authorization header must use the Basic scheme.', 'client_auth.scheme', true);
  }
  if (proofs.length > 1) {
    throw new InvalidRequestError('The client used more than one authentication method (RFC 6749 §2.3).');
  }
  const bodyId = input.params.get('client_id');
  // No proof in the request: the client names itself, and its registration says how it proves it (none, or a certificate).
  const presented = proofs[0] ?? (bodyId === undefined ? undefined : { clientId: bodyId, viaHeader: false, certificate: input.certificate });
  if (!presented) throw new InvalidClientError('Client authentication is required.', 'client_auth.missing');
  if (bodyId !== undefined && bodyId !== presented.clientId) {
    throw new InvalidRequestError(presented.viaHeader
      ? 'The client_id in the body does not match the Authorization header.'
      : 'The client_id in the body does not match the client assertion.');
  }
  if (presented.clientId === '') throw new InvalidRequestError('Missing required parameter: client_id.');
  return presented;
}

/** The two ways of sending the client secret itself (RFC 6749 §2.3.1): in the Authorization header, or in the body. */
const SECRET_PLACEMENTS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/**
 * Whether the client's registered method accepts what was presented. As Auth0's token endpoint does, a client
 * registered for client_secret_basic or client_secret_post may send its secret either way: the proof is the same
 * secret, only where it travels differs (Auth0's SDKs always send it in the body). Every other method must be the
 * registered one, so a secret never stands in for a key pair or a certificate.
 */
function methodAccepted(registered: ClientAuthMethod, presented: ClientAuthMethod): boolean {
  return registered === presented || (SECRET_PLACEMENTS.includes(registered) && SECRET_PLACEMENTS.includes(presented));
}

/** `headerTaken`: the Authorization header is not Basic credentials (a bearer token, or none at the MFA API), so they come in the body. */
export async function authenticateClient(input: AuthInput, clients: ClientStore, deps: ClientAuthDeps, headerTaken = false): Promise<AuthenticatedClient> {
  const presented = presentedCredentials(headerTaken ? { ...input, authorization: undefined } : input);
  const failed = (detail: Detail) => new InvalidClientError('Client authentication failed.', detail, presented.viaHeader);
  const client = await clients.getClient(presented.clientId);
  if (!client) throw failed('client_auth.unknown_client');
  const registered = client.token_endpoint_auth_method;
  const used = presented.method ?? (methods[registered].extract ? 'none' : registered);
  if (!methodAccepted(registered, used)) {
    // The registered method is no secret and helps the developer; a wrong secret still says only "failed", as for an unknown client.
    throw new InvalidClientError(`Client authentication failed: the client is registered for ${registered}, not ${used}.`,
      `client_auth.method_mismatch: registered for ${registered}, used ${used}`, presented.viaHeader);
  }
  const verdict = await methods[used].verify(presented, client, deps);
  if (!verdict.ok) throw failed(verdict.detail);
  return { client, method: used };
}

/** The client_id a request claims, unverified, for the event of a refused request. */
export function claimedClientId(input: AuthInput): string | null {
  try {
    return presentedCredentials(input).clientId;
  } catch {
    return input.params.get('client_id') ?? null;
  }
}

export const supportedAuthMethods = Object.keys(methods) as ClientAuthMethod[];
