/** client_secret_post: client_id and client_secret in the request body (RFC 6749 §2.3.1). */
import type { ClientAuthMethodModule } from './method.ts';
import { clientSecretBasic } from './client-secret-basic.ts';

export const clientSecretPost: ClientAuthMethodModule = {
  name: 'client_secret_post',
  extract({ params }) {
    const secret = params.get('client_secret');
    if (secret === undefined) return undefined;
    return { method: 'client_secret_post', clientId: params.get('client_id') ?? '', secret, viaHeader: false };
  },
  // The proof is the same secret as with Basic; only where it travels differs.
  verify: (presented, client, deps) => clientSecretBasic.verify(presented, client, deps),
};
