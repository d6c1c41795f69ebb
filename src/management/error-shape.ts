/**
 * The management API's errors in Auth0's shape, `{statusCode, error, message, errorCode}` (error is the HTTP reason
 * phrase, errorCode a stable machine-readable code), which Auth0's SDKs read their error messages from. The OAuth
 * endpoints keep RFC 6749 §5.2's `{error, error_description}`; both come from the same OAuthError classes.
 */
import { STATUS_CODES } from 'node:http';
import { MissingTokenError, type OAuthError } from '../errors/oauth.ts';

/** Where Auth0 names a code differently from the OAuth-side code Tollgate's error carries. */
const AUTH0_CODES: Record<string, string> = {
  invalid_query: 'invalid_query_string',
  invalid_path: 'invalid_uri',
  invalid_request: 'invalid_request',
};

/** Auth0 prefixes validation failures with what failed to validate. */
const PREFIXES: Record<string, string> = {
  invalid_body: 'Payload validation error: ',
  invalid_query: 'Query validation error: ',
  invalid_path: 'Path validation error: ',
};

export function auth0ErrorBody(error: OAuthError): Record<string, unknown> {
  const { fields } = error.toJSON() as { fields?: unknown };
  return {
    statusCode: error.status,
    error: STATUS_CODES[error.status] ?? 'Error',
    message: `${PREFIXES[error.error] ?? ''}${error.description}`,
    // RFC 6750 §3.1 keeps error codes out of a tokenless request's challenge; Auth0's body still names the case.
    errorCode: error instanceof MissingTokenError ? 'missing_authentication' : AUTH0_CODES[error.error] ?? error.error,
    // Which fields failed, beside the message that names them (Auth0's SDKs ignore members they do not know).
    ...(fields === undefined ? {} : { fields }),
  };
}
