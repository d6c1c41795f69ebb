/** Clients: the record the configuration file or the management API keeps for each. */
import type { JSONWebKeySet } from 'jose';
import type { ClientAuthMethod } from '../protocol/client-auth-methods.ts';
import type { GrantType } from '../protocol/grant-types.ts';
import type { AssertionAlg } from '../protocol/algorithms.ts';
import type { MfaPolicy } from './directory.ts';

export interface ClientRecord extends ClientProofMetadata {
  client_id: string;
  name: string | null;
  /** "sha256:<hex>" or an argon2id PHC string; null for public clients. */
  secret_hash: string | null;
  token_endpoint_auth_method: ClientAuthMethod;
  grant_types: GrantType[];
  /** Connections the client may use; null means all. */
  connections: string[] | null;
  default_connection: string | null;
  /** Scopes the client may be granted; null means every scope that exists. */
  scope: string | null;
  refresh_token: RefreshPolicy;
  introspection: boolean;
  /** Whether the end user's IP in tollgate-forwarded-for is believed (confidential clients only). */
  trust_forwarded_for: boolean;
  /** client_credentials: scopes granted per API identifier. */
  api_grants: Record<string, string[]>;
  /** Overrides the connection's MFA policy for this client. */
  mfa: Partial<MfaPolicy> | null;
  /** Free-form pairs for post-login actions (Auth0's client_metadata); absent from records written before it existed. */
  client_metadata?: Record<string, string>;
  /** Web origins whose pages may read this client's answers (CORS); absent from records written before it existed. */
  allowed_origins?: string[];
}

/**
 * Client metadata for authentication beyond secrets and for sender-constrained tokens (RFC 7591 §2, RFC 8705
 * §2.1.2 and §3.4, RFC 9449 §5.2); optional, so records written before they existed still read.
 */
export interface ClientProofMetadata {
  /** client_secret_jwt, private_key_jwt: the only JWS algorithm accepted for the client's assertions. */
  token_endpoint_auth_signing_alg?: AssertionAlg;
  /** The client's public keys (private_key_jwt, self_signed_tls_client_auth), inline ... */
  jwks?: JSONWebKeySet;
  /** ... or where to fetch them. */
  jwks_uri?: string;
  /** tls_client_auth: exactly one of these names the certificate the client must present (RFC 8705 §2.1.2). */
  tls_client_auth_subject_dn?: string;
  tls_client_auth_san_dns?: string;
  tls_client_auth_san_uri?: string;
  tls_client_auth_san_ip?: string;
  tls_client_auth_san_email?: string;
  /** Access tokens carry the client certificate's thumbprint (RFC 8705 §3). */
  tls_client_certificate_bound_access_tokens?: boolean;
  /** Every token request must carry a DPoP proof (RFC 9449 §5.2). */
  dpop_bound_access_tokens?: boolean;
}

export interface RefreshPolicy {
  rotation: 'rotating' | 'non-rotating';
  leeway: number;
  idle_ttl: number;
  absolute_ttl: number;
}
