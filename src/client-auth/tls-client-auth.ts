/** tls_client_auth: a client certificate from a trusted CA with the subject the client registered (RFC 8705 §2.1). */
import { VERIFIED, refused, type ClientAuthMethodModule } from './method.ts';
import { chainsTo, matchesRegistration } from './certificates.ts';

export const tlsClientAuth: ClientAuthMethodModule = {
  name: 'tls_client_auth',
  async verify({ certificate }, client, deps) {
    if (!certificate) return refused('client_auth.certificate: tls_client_auth, none presented');
    if (!chainsTo(certificate, deps.trustedCas, deps.now())) return refused('client_auth.certificate: tls_client_auth, not from tls.client_ca, or not valid now');
    return matchesRegistration(certificate, client) ? VERIFIED : refused('client_auth.certificate: tls_client_auth, subject is not the registered one');
  },
};
