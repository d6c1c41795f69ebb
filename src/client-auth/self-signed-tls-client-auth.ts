/**
 * self_signed_tls_client_auth: the client certificate is one the client registered in its jwks or jwks_uri, as
 * the x5c of a key (RFC 8705 §2.2); no CA is involved, so the certificate is only a container for that key.
 */
import { timingSafeEqual } from 'node:crypto';
import { VERIFIED, refused, type ClientAuthMethodModule } from './method.ts';
import { NoMatchingKey } from './client-keys.ts';

export const selfSignedTlsClientAuth: ClientAuthMethodModule = {
  name: 'self_signed_tls_client_auth',
  async verify({ certificate }, client, deps) {
    if (!certificate) return refused('client_auth.certificate: self_signed_tls_client_auth, none presented');
    const registered = (x5c: unknown) => {
      const der = Array.isArray(x5c) && typeof x5c[0] === 'string' ? Buffer.from(x5c[0], 'base64') : undefined;
      return der !== undefined && der.length === certificate.raw.length && timingSafeEqual(der, certificate.raw);
    };
    return deps.clientKeys.withKeys(client, async ({ keys }) => {
      if (keys.some((key) => registered(key.x5c))) return VERIFIED;
      throw new NoMatchingKey();
    }).catch(() => refused('client_auth.certificate: self_signed_tls_client_auth, not in the client\'s keys'));
  },
};
