/**
 * The composition of what clients prove beyond a secret: assertions and certificates for client authentication
 * (RFC 7523, RFC 8705 §2), Tollgate's own TLS, the client certificate of a request, and DPoP proofs (RFC 9449).
 */
import type { Config } from './config/schema.ts';
import type { Store } from './storage/store.ts';
import type { PasswordHasher } from './accounts/passwords.ts';
import type { KeyRing } from './keys/keyring.ts';
import type { IpList } from './protection/ip-list.ts';
import type { ClientAuthDeps } from './client-auth/method.ts';
import { ClientKeys } from './client-auth/client-keys.ts';
import { certificatesOf } from './config/proof-schema.ts';
import { hasCertificateSource } from './config/proof-references.ts';
import { clientCertificateReader, type CertificateReader } from './http/client-certificate.ts';
import { endpointsOf, type DiscoveryFeatures, type Endpoints } from './endpoints/discovery.ts';
import { DpopVerifier } from './dpop/proof.ts';
import { DpopNonces } from './dpop/nonce.ts';
import { withEquivalentAlgs } from './protocol/algorithms.ts';

export interface ClientProofs {
  clientAuth: ClientAuthDeps;
  dpop: DpopVerifier;
  clientCertificate: CertificateReader;
  /** Fastify's `https` options when Tollgate terminates TLS itself. */
  https: object | undefined;
  features: DiscoveryFeatures;
}

/**
 * RFC 7523 §3: the aud must identify the authorization server: its issuer, written with or without the trailing
 * slash (Auth0's SDKs append one to the domain), or the token endpoint's URL.
 */
export function assertionAudiences(issuer: string, tokenUrls: readonly string[]): string[] {
  const bare = issuer.replace(/\/+$/, '');
  return [...new Set([issuer, bare, `${bare}/`, ...tokenUrls])];
}

/**
 * Tollgate's own TLS (tls.cert and tls.key). Client certificates are asked for, not required, and not judged
 * by the handshake: a self-signed one must get through to self_signed_tls_client_auth, and a client without one
 * may still authenticate otherwise. tls_client_auth checks the chain itself (client-auth/certificates.ts).
 */
function httpsOptions(config: Config): object | undefined {
  const tls = config.tls;
  if (tls?.cert === undefined || tls.key === undefined) return undefined;
  return { cert: tls.cert, key: tls.key, ...(tls.client_ca ? { ca: tls.client_ca } : {}), requestCert: tls.request_client_cert, rejectUnauthorized: false };
}

export function clientProofs(config: Config, deps: {
  issuer: string; hasher: PasswordHasher; store: Store; keys: KeyRing; trustedProxies: IpList; now: () => number;
}): ClientProofs {
  const { issuer, hasher, store, keys, trustedProxies, now } = deps;
  const endpoints = endpointsOf(issuer);
  const mtls = config.tls?.mtls_base_url === undefined ? undefined : endpointsOf(config.tls.mtls_base_url);
  // An endpoint's URL under the issuer, and under the mTLS alias when there is one (RFC 8705 §5).
  const urlsOf = (name: keyof Endpoints) => [endpoints[name], ...(mtls ? [mtls[name]] : [])];
  return {
    clientAuth: {
      hasher,
      // client_secret_jwt keys its HMAC with the secret itself, which the store keeps only hashed (docs/client-authentication.md).
      hmacSecrets: new Map(config.clients.flatMap((c) => (c.token_endpoint_auth_method === 'client_secret_jwt' && c.client_secret ? [[c.client_id, c.client_secret]] : []))),
      clientKeys: new ClientKeys({ now }),
      assertionAudiences: assertionAudiences(issuer, urlsOf('token')),
      singleUse: store.singleUse,
      trustedCas: config.tls?.client_ca === undefined ? [] : certificatesOf(config.tls.client_ca),
      now,
    },
    dpop: new DpopVerifier({
      algs: withEquivalentAlgs(config.dpop.signing_algs),
      proofLifetime: config.dpop.proof_lifetime,
      urls: { token: urlsOf('token'), userinfo: urlsOf('userinfo') },
      singleUse: store.singleUse,
      nonces: config.dpop.require_nonce ? new DpopNonces({ keys, alg: config.tokens.signing_alg, issuer, lifetime: config.dpop.nonce_lifetime, now }) : undefined,
      now,
    }),
    clientCertificate: clientCertificateReader(config.tls?.client_certificate_header, trustedProxies),
    https: httpsOptions(config),
    features: { clientCertificates: hasCertificateSource(config), mtlsBaseUrl: config.tls?.mtls_base_url, dpopAlgs: withEquivalentAlgs(config.dpop.signing_algs) },
  };
}
