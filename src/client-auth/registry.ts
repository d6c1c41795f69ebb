/**
 * Client authentication (RFC 6749 §2.3): find which method the request used,
 * refuse more than one, and verify it against the client's registered method.
 */
import { InvalidClientError, InvalidRequestError } from '../errors/oauth.ts';
import type { ClientRecord, ClientStore } from '../storage/interfaces.ts';
import type { AuthInput, ClientAuthDeps, ClientAuthMethodModule, Presented } from './method.ts';
import type { ClientAuthMethod } from './names.ts';
import { clientSecretBasic } from './client-secret-basic.ts';
import { clientSecretPost } from './client-secret-post.ts';
import { none } from './none.ts';

/** Methods that carry a proof; `none` applies only when none of them is present. */
const methods: Record<ClientAuthMethod, ClientAuthMethodModule> = {
  client_secret_basic: clientSecretBasic,
  client_secret_post: clientSecretPost,
  none,
};

export interface AuthenticatedClient {
  client: ClientRecord;
  method: ClientAuthMethod;
}

function presentedCredentials(input: AuthInput): Presented {
  const proofs = Object.values(methods).filter((m) => m !== none).flatMap((m) => m.extract(input) ?? []);
  if (proofs.length > 1) {
    throw new InvalidRequestError('The client used more than one authentication method (RFC 6749 §2.3).');
  }
  const presented = proofs[0] ?? none.extract(input);
  if (!presented) throw new InvalidClientError('Client authentication is required.', 'no client credentials');
  const bodyId = input.params.get('client_id');
  if (presented.viaHeader && bodyId !== undefined && bodyId !== presented.clientId) {
    throw new InvalidRequestError('The client_id in the body does not match the Authorization header.');
  }
  if (presented.clientId === '') throw new InvalidRequestError('Missing required parameter: client_id.');
  return presented;
}

/** Whether the client's registered method accepts what was presented. */
function methodAccepted(registered: ClientAuthMethod, presented: ClientAuthMethod, headerTaken: boolean): boolean {
  // Where the Authorization header is not used for Basic (the MFA API), a Basic client may send its secret in the body (RFC 6749 §2.3.1).
  return registered === presented || (headerTaken && registered === 'client_secret_basic' && presented === 'client_secret_post');
}

/** `headerTaken`: the Authorization header is not Basic credentials (a bearer token, or none at the MFA API), so they come in the body. */
export async function authenticateClient(input: AuthInput, clients: ClientStore, deps: ClientAuthDeps, headerTaken = false): Promise<AuthenticatedClient> {
  const presented = presentedCredentials(headerTaken ? { ...input, authorization: undefined } : input);
  const failed = (detail: string) => new InvalidClientError('Client authentication failed.', detail, presented.viaHeader);
  const client = await clients.getClient(presented.clientId);
  if (!client) throw failed('unknown client');
  if (!methodAccepted(client.token_endpoint_auth_method, presented.method, headerTaken)) {
    throw failed(`client registered for ${client.token_endpoint_auth_method}, used ${presented.method}`);
  }
  if (!(await methods[presented.method].verify(presented, client, deps))) throw failed('wrong client secret');
  return { client, method: presented.method };
}

export const supportedAuthMethods = Object.keys(methods) as ClientAuthMethod[];
