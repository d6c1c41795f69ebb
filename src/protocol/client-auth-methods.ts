/** Client authentication methods (RFC 7591 §2, RFC 8705 §2.1.1, §2.2.1); each has one file in this folder. */
export const CLIENT_AUTH_METHODS = [
  'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth', 'none',
] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** Methods proven by a TLS client certificate (RFC 8705 §2). */
export const CERTIFICATE_METHODS: readonly ClientAuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];
/** Methods whose proof is the client secret, sent or used as an HMAC key. */
export const SECRET_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
