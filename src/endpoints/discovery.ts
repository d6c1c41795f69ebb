/** {issuer}/.well-known/openid-configuration (OIDC Discovery §3): only what Tollgate really supports. */
import { supportedAuthMethods } from '../client-auth/registry.ts';
import { GRANT_TYPES } from '../grants/names.ts';
import type { ApiRecord } from '../storage/interfaces.ts';
import { SUPPORTED_CLAIMS } from '../tokens/claims.ts';
import { OIDC_SCOPES } from '../tokens/scope.ts';
import type { SigningAlg } from '../keys/algorithms.ts';

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

export function discoveryDocument(issuer: string, apis: ApiRecord[], algs: SigningAlg[]): Record<string, unknown> {
  const endpoints = endpointsOf(issuer);
  return {
    issuer,
    token_endpoint: endpoints.token,
    userinfo_endpoint: endpoints.userinfo,
    jwks_uri: endpoints.jwks,
    grant_types_supported: [...GRANT_TYPES],
    // Tollgate has no authorization endpoint: every flow is a direct exchange at the token endpoint.
    response_types_supported: [],
    subject_types_supported: ['public'],
    token_endpoint_auth_methods_supported: supportedAuthMethods,
    revocation_endpoint: endpoints.revocation,
    revocation_endpoint_auth_methods_supported: supportedAuthMethods,
    introspection_endpoint: endpoints.introspection,
    // Introspection callers are resource servers: they must prove who they are.
    introspection_endpoint_auth_methods_supported: supportedAuthMethods.filter((m) => m !== 'none'),
    scopes_supported: [...new Set([...OIDC_SCOPES, ...apis.flatMap((a) => a.scopes)])],
    claims_supported: SUPPORTED_CLAIMS,
    // Auth0's MFA API (draft-ietf-oauth-mfa): where a client answering mfa_required asks for a challenge.
    mfa_challenge_endpoint: endpoints.mfaChallenge,
    id_token_signing_alg_values_supported: algs,
    userinfo_signing_alg_values_supported: ['none'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}
