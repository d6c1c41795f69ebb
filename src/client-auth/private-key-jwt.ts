/** private_key_jwt: an assertion signed with a key from the client's jwks or jwks_uri (RFC 7523 §2.2, OIDC Core §9). */
import { extractAssertion, verifyAssertion } from './assertion.ts';
import { refused, type ClientAuthMethodModule } from './method.ts';

export const privateKeyJwt: ClientAuthMethodModule = {
  name: 'private_key_jwt',
  extract: (input) => extractAssertion(input, 'private_key_jwt'),
  verify: (presented, client, deps) =>
    deps.clientKeys.withKeys(client, (_keys, verifier) => verifyAssertion(presented, client, verifier, deps))
      .catch((err: unknown) => refused(`client_auth.assertion: private_key_jwt, ${(err as Error).message}`)),
};
