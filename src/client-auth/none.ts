/** none: a public client identifies itself by client_id alone (RFC 6749 §2.1, RFC 7591 §2). */
import type { ClientAuthMethodModule } from './method.ts';

export const none: ClientAuthMethodModule = {
  name: 'none',
  extract({ params }) {
    const clientId = params.get('client_id');
    return clientId === undefined ? undefined : { method: 'none', clientId, viaHeader: false };
  },
  // Nothing to prove: what a public client may do is limited by its registration instead.
  verify: async (_presented, client) => client.secret_hash === null,
};
