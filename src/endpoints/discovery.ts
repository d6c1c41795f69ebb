/** {issuer}/.well-known/openid-configuration (OIDC Discovery §3): only what Tollgate really supports. */
import { supportedAuthMethods } from '../client-auth/registry.ts';
import { CERTIFICATE_METHODS } from '../protocol/client-auth-methods.ts';
import { GRANT_TYPES } from '../protocol/grant-types.ts';
import type { ApiRecord } from '../model/directory.ts';
import { SUPPORTED_CLAIMS } from '../tokens/claims.ts';
import { OIDC_SCOPES } from '../tokens/scope.ts';
import { ASYMMETRIC_ALGS, HMAC_ALGS, type SigningAlg } from '../protocol/algorithms.ts';
import { managementAudience } from '../protocol/management-api.ts';

export interface Endpoints {
  token: string;
  revocation: string;
  introspection: string;
  userinfo: string;
  jwks: string;
  mfaChallenge: string;
}

export function endpointsOf(issuer: string): Endpoints {
  const base = issuer.replace(/\/+$/, '');
  return {
    token: `${base}/oauth/token`,
    revocation: `${base}/oauth/revoke`,
    introspection: `${base}/oauth/introspect`,
    userinfo: `${base}/userinfo`,
    jwks: `${base}/.well-known/jwks.json`,
    mfaChallenge: `${base}/mfa/challenge`,
  };
}

/** What this deployment serves beyond the core. */
export interface DiscoveryFeatures {
  /** Whether Tollgate sees TLS client certificates (its own TLS asks for them, or a proxy forwards them). */
  clientCertificates: boolean;
  /** tls.mtls_base_url: where the endpoints are reached with mutual TLS, when that is not the issuer. */
  mtlsBaseUrl: string | undefined;
  /** dpop.signing_algs: the algorithms of DPoP proofs Tollgate accepts (RFC 9449 §5.1). */
  dpopAlgs: readonly string[];
}

/** RFC 8705 §3.3, §5: certificate-bound tokens, and the mTLS aliases of the endpoints when they differ. */
function mtlsMetadata(features: DiscoveryFeatures): Record<string, unknown> {
  if (!features.clientCertificates) return {};
  const aliases = features.mtlsBaseUrl === undefined ? undefined : endpointsOf(features.mtlsBaseUrl);
  return {
    tls_client_certificate_bound_access_tokens: true,
    ...(aliases ? {
      mtls_endpoint_aliases: {
        token_endpoint: aliases.token, revocation_endpoint: aliases.revocation, introspection_endpoint: aliases.introspection, userinfo_endpoint: aliases.userinfo,
      },
    } : {}),
  };
}

const NO_FEATURES: DiscoveryFeatures = { clientCertificates: false, mtlsBaseUrl: undefined, dpopAlgs: [] };

export function discoveryDocument(issuer: string, apis: ApiRecord[], algs: SigningAlg[], features = NO_FEATURES): Record<string, unknown> {
  const endpoints = endpointsOf(issuer);
  // The certificate methods only where Tollgate can see certificates.
  const authMethods = supportedAuthMethods.filter((m) => features.clientCertificates || !CERTIFICATE_METHODS.includes(m));
  // RFC 8414 §2: the algorithms of client_secret_jwt and private_key_jwt assertions, at every endpoint that authenticates clients.
  const assertionAlgs = [...HMAC_ALGS, ...ASYMMETRIC_ALGS];
  return {
    issuer,
    token_endpoint: endpoints.token,
    userinfo_endpoint: endpoints.userinfo,
    jwks_uri: endpoints.jwks,
    grant_types_supported: [...GRANT_TYPES],
    // Tollgate has no authorization endpoint: every flow is a direct exchange at the token endpoint.
    response_types_supported: [],
    subject_types_supported: ['public'],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    revocation_endpoint: endpoints.revocation,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    introspection_endpoint: endpoints.introspection,
    // Introspection callers are resource servers: they must prove who they are.
    introspection_endpoint_auth_methods_supported: authMethods.filter((m) => m !== 'none'),
    introspection_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    // The management API's scopes are for client credentials only, not something to advertise to relying parties.
    scopes_supported: [...new Set([...OIDC_SCOPES, ...apis.filter((a) => a.identifier !== managementAudience(issuer)).flatMap((a) => a.scopes)])],
    claims_supported: SUPPORTED_CLAIMS,
    // Auth0's MFA API (draft-ietf-oauth-mfa): where a client answering mfa_required asks for a challenge.
    mfa_challenge_endpoint: endpoints.mfaChallenge,
    id_token_signing_alg_values_supported: algs,
    userinfo_signing_alg_values_supported: ['none'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    ...mtlsMetadata(features),
    ...(features.dpopAlgs.length > 0 ? { dpop_signing_alg_values_supported: features.dpopAlgs } : {}),
  };
}
