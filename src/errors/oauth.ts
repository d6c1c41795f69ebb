import type { Detail } from './details.ts';

export type { Detail };

/**
 * RFC 6749 §5.2 and RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E only.
 * Descriptions quote names with "..." and may echo request input: quotes become
 * apostrophes, anything else outside the set a "?".
 */
function publicDescription(text: string): string {
  return text.replace(/"/g, "'").replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}

/**
 * Every `error` code Tollgate answers with: RFC 6749 §5.2 (token endpoint), RFC 6750 §3.1 (protected resources),
 * RFC 8628 §3.5 (authorization_pending, slow_down, as Auth0's out-of-band MFA uses them), RFC 9449 §5 and §8 (DPoP),
 * and Auth0's own (mfa_required, association_required, unsupported_challenge_type, too_many_attempts,
 * password_leaked; not_found and too_many_requests at its MFA and rate-limited endpoints).
 */
export const OAUTH_ERROR_CODES = [
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope',
  'access_denied', 'server_error', 'temporarily_unavailable',
  'invalid_token', 'insufficient_scope',
  'authorization_pending', 'slow_down',
  'invalid_dpop_proof', 'use_dpop_nonce',
  'mfa_required', 'association_required', 'unsupported_challenge_type', 'too_many_attempts', 'password_leaked', 'not_found', 'too_many_requests',
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/** The management API's codes beside them (errors/management.ts), in the same JSON shape. */
export const MANAGEMENT_ERROR_CODES = [
  'invalid_body', 'invalid_query', 'invalid_path', 'conflict', 'config_managed', 'password_policy', 'password_breached', 'payload_too_large',
  'too_many_jobs',
] as const;
export type ManagementErrorCode = (typeof MANAGEMENT_ERROR_CODES)[number];

/**
 * OAuth errors: one class per RFC code. `description` is public (sent as
 * error_description); `detail` is private (logs and events only), so nothing
 * sensitive can leak through an error response.
 */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode | ManagementErrorCode;
  readonly status: number;
  readonly description: string;
  readonly detail: Detail | undefined;
  /** Extra response headers (WWW-Authenticate, Retry-After, ...). */
  readonly headers: Record<string, string> = {};
  /** Extra members of the JSON error body (e.g. mfa_token). */
  readonly extra: Record<string, string> = {};

  constructor(error: OAuthErrorCode | ManagementErrorCode, status: number, description: string, detail?: Detail) {
    super(detail ? `${error}: ${description} (${detail})` : `${error}: ${description}`);
    this.name = new.target.name;
    this.error = error;
    this.status = status;
    this.description = publicDescription(description);
    this.detail = detail;
  }

  /** RFC 6749 §5.2 error body. */
  toJSON(): Record<string, string> {
    return { error: this.error, error_description: this.description, ...this.extra };
  }
}

// RFC 6749 §5.2
export class InvalidRequestError extends OAuthError {
  constructor(description = 'The request is missing a parameter or is otherwise malformed.', detail?: Detail) {
    super('invalid_request', 400, description, detail);
  }
}

/**
 * RFC 6749 §5.2: 401 when the client tried to authenticate through the
 * Authorization header, 400 otherwise.
 */
export class InvalidClientError extends OAuthError {
  constructor(description = 'Client authentication failed.', detail?: Detail, viaHeader = false) {
    super('invalid_client', viaHeader ? 401 : 400, description, detail);
    if (viaHeader) this.headers['www-authenticate'] = 'Basic realm="tollgate", charset="UTF-8"';
  }

  /** The same failure answered 401 with a Basic challenge, as RFC 7662 §2.3 asks of the introspection endpoint whatever the method. */
  challenged(): InvalidClientError {
    return this.status === 401 ? this : new InvalidClientError(this.description, this.detail, true);
  }
}

export class InvalidGrantError extends OAuthError {
  constructor(description = 'The provided authorization grant is invalid.', detail?: Detail) {
    super('invalid_grant', 400, description, detail);
  }
}

export class UnauthorizedClientError extends OAuthError {
  constructor(description = 'The client is not authorized to use this grant type.', detail?: Detail) {
    super('unauthorized_client', 400, description, detail);
  }
}

export class UnsupportedGrantTypeError extends OAuthError {
  constructor(description = 'The grant type is not supported.', detail?: Detail) {
    super('unsupported_grant_type', 400, description, detail);
  }
}

export class InvalidScopeError extends OAuthError {
  constructor(description = 'The requested scope is invalid or unknown.', detail?: Detail) {
    super('invalid_scope', 400, description, detail);
  }
}

export class AccessDeniedError extends OAuthError {
  constructor(description = 'Access denied.', detail?: Detail) {
    super('access_denied', 403, description, detail);
  }
}

export class ServerError extends OAuthError {
  constructor(detail?: Detail) {
    super('server_error', 500, 'The server encountered an unexpected condition.', detail);
  }
}

export class TemporarilyUnavailableError extends OAuthError {
  constructor(detail?: Detail) {
    super('temporarily_unavailable', 503, 'The server is temporarily unavailable.', detail);
  }
}

// The MFA exchange (Auth0's MFA API; draft-ietf-oauth-mfa / RFC 8628 §3.5 for the polling codes).
/** The password was right but a second factor is needed: the mfa_token continues the exchange. */
export class MfaRequiredError extends OAuthError {
  constructor(mfaToken: string, detail?: Detail) {
    super('mfa_required', 403, 'Multifactor authentication required', detail);
    this.extra.mfa_token = mfaToken;
  }
}

export class AuthorizationPendingError extends OAuthError {
  constructor() {
    super('authorization_pending', 400, 'The challenge has not been answered yet: send the binding_code.');
  }
}

export class SlowDownError extends OAuthError {
  constructor(interval: number) {
    super('slow_down', 400, `Poll no more than once every ${interval} seconds.`);
  }
}

export class UnsupportedChallengeTypeError extends OAuthError {
  constructor(description = 'The user has no active authenticator of the requested challenge type.', detail?: Detail) {
    super('unsupported_challenge_type', 400, description, detail);
  }
}

export class AssociationRequiredError extends OAuthError {
  constructor() {
    super('association_required', 400, 'The user has no active authenticator: associate one first (POST /mfa/associate).');
  }
}

/** A named resource (an authenticator) that does not exist, or not for this caller. */
export class NotFoundError extends OAuthError {
  constructor(description: string) {
    super('not_found', 404, description);
  }
}

/**
 * Breached password detection's block: the right password, found in a public data breach. Auth0's error code and
 * description (its authentication API's error table); 403 rather than the 401 Auth0 uses elsewhere, because at the
 * token endpoint RFC 6749 §5.2 keeps 401 for client authentication.
 */
export class PasswordLeakedError extends OAuthError {
  constructor() {
    super('password_leaked', 403,
      "This login attempt has been blocked because the password you're using was previously disclosed through a data breach (not in this application).");
  }
}

/** Attack protection (Auth0's code): a brute-force block or a throttled IP; 429 per RFC 6585 §4. */
export class TooManyAttemptsError extends OAuthError {
  constructor(description: string, detail?: Detail, retryAfter?: number) {
    super('too_many_attempts', 429, description, detail);
    if (retryAfter !== undefined) this.headers['retry-after'] = String(retryAfter);
  }
}

/** The per-IP request rate limit: RFC 6585 §4 with Retry-After. */
export class TooManyRequestsError extends OAuthError {
  constructor(retryAfter: number) {
    super('too_many_requests', 429, 'Too many requests from this address; retry later.');
    this.headers['retry-after'] = String(retryAfter);
  }
}

// RFC 6750 §3.1: errors of protected resources (userinfo), with a Bearer challenge.
function bearerChallenge(error: string | undefined, description: string): string {
  return error ? `Bearer realm="tollgate", error="${error}", error_description="${description}"` : 'Bearer realm="tollgate"';
}

export class InvalidTokenError extends OAuthError {
  constructor(description = 'The access token is invalid.', detail?: Detail) {
    super('invalid_token', 401, description, detail);
    this.headers['www-authenticate'] = bearerChallenge('invalid_token', this.description);
  }
}

/**
 * RFC 6750 §3.1: a request without any token "SHOULD NOT include an error code or other error information": a bare
 * challenge, and a body with a description only (`error` stays invalid_request for logs and events).
 */
export class MissingTokenError extends OAuthError {
  constructor() {
    super('invalid_request', 401, 'An access token is required.');
    this.headers['www-authenticate'] = bearerChallenge(undefined, '');
  }

  override toJSON(): Record<string, string> {
    return { error_description: this.description };
  }
}

export class InsufficientScopeError extends OAuthError {
  /** `scope`: the scope the request needs, named in the challenge (RFC 6750 §3). */
  constructor(description = 'The access token does not carry the required scope.', detail?: Detail, scope?: string) {
    super('insufficient_scope', 403, description, detail);
    this.headers['www-authenticate'] = bearerChallenge('insufficient_scope', this.description) + (scope ? `, scope="${scope}"` : '');
  }
}

// RFC 9449 §5, §8: DPoP errors of the token endpoint (400); a protected resource answers them as withDpopChallenge says.
export class InvalidDpopProofError extends OAuthError {
  constructor(description = 'The DPoP proof is invalid.', detail?: Detail) {
    super('invalid_dpop_proof', 400, description, detail);
  }
}

/** RFC 9449 §8: the proof lacks a fresh nonce; DPoP-Nonce carries the one to use. */
export class UseDpopNonceError extends OAuthError {
  constructor(nonce: string, detail?: Detail) {
    super('use_dpop_nonce', 400, 'Resend the request with a DPoP proof that carries the nonce in the DPoP-Nonce header.', detail);
    this.headers['dpop-nonce'] = nonce;
  }
}

/**
 * RFC 9449 §7.1: a protected resource answers a DPoP request (or a DPoP-bound token) with a DPoP challenge, and
 * the DPoP proof errors as 401 rather than the token endpoint's 400.
 */
export function withDpopChallenge(err: OAuthError, algs: readonly string[]): OAuthError {
  const dpopError = err.error === 'invalid_dpop_proof' || err.error === 'use_dpop_nonce';
  const answer = new OAuthError(err.error, dpopError ? 401 : err.status, err.description, err.detail);
  Object.assign(answer.headers, err.headers);
  const error = err.status === 401 || err.status === 403 || dpopError ? `, error="${err.error}", error_description="${err.description}"` : '';
  answer.headers['www-authenticate'] = `DPoP algs="${algs.join(' ')}"${error}`;
  return answer;
}

/** RFC 6749 §5.2 lists no code for a method other than POST; 405 with Allow is the HTTP answer. */
export class MethodNotAllowedError extends OAuthError {
  constructor(allow: string) {
    super('invalid_request', 405, `This endpoint accepts ${allow} only.`);
    this.headers.allow = allow;
  }
}
