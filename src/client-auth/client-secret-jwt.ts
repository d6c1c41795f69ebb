/**
 * client_secret_jwt: an assertion MACed with the client secret (RFC 7523 §2.2, OIDC Core §9). The store keeps
 * only a hash of the secret, so the HMAC key comes from the configuration (hmacSecrets); it must still match
 * the stored hash, so the store stays the authority on which secret is current.
 */
import { extractAssertion, verifyAssertion } from './assertion.ts';
import { refused, type ClientAuthMethodModule } from './method.ts';
import { verifyClientSecret } from './secrets.ts';

export const clientSecretJwt: ClientAuthMethodModule = {
  name: 'client_secret_jwt',
  extract: (input) => extractAssertion(input, 'client_secret_jwt'),
  async verify(presented, client, deps) {
    const secret = deps.hmacSecrets.get(client.client_id);
    if (secret === undefined || client.secret_hash === null || !(await verifyClientSecret(client.secret_hash, secret, deps.hasher))) {
      return refused('client_auth.assertion: client_secret_jwt, and this node has no current secret for the client');
    }
    return verifyAssertion(presented, client, new TextEncoder().encode(secret), deps);
  },
};
