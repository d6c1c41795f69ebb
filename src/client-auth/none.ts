/** none: a public client identifies itself by client_id alone (RFC 6749 §2.1, RFC 7591 §2). */
import { VERIFIED, refused, type ClientAuthMethodModule } from './method.ts';

export const none: ClientAuthMethodModule = {
  name: 'none',
  // Nothing to prove: what a public client may do is limited by its registration instead.
  verify: async (_presented, client) => (client.secret_hash === null ? VERIFIED : refused('client_auth.credentials_missing')),
};
