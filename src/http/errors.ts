/** One error handler: OAuthErrors render as RFC 6749 §5.2 JSON; framework errors become invalid_request; the rest server_error. */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { InvalidRequestError, NotFoundError, OAuthError, ServerError, TemporarilyUnavailableError } from '../errors/oauth.ts';
import { StoreUnavailableError } from '../storage/errors.ts';

/** Fastify's client errors, each with the fixed description the client sees. */
const FRAMEWORK_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than 16 KiB.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The Content-Type must be application/x-www-form-urlencoded or application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length does not match the body.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty.',
  FST_ERR_CTP_INVALID_TYPE: 'The Content-Type header is malformed.',
};

/** How a framework error is answered: 400 invalid_request with this description, or this error instead. */
export type FrameworkAnswer = string | (() => OAuthError);

/** `descriptions` replaces the fixed descriptions of framework errors where a plugin parses bodies its own way. */
export function toOAuthError(err: FastifyError | Error, descriptions: Record<string, FrameworkAnswer> = FRAMEWORK_ERRORS): OAuthError {
  if (err instanceof OAuthError) return err;
  // The database is down: a retryable 503, never a 500; the store wrote nothing half-way (RFC 6749 §5.2 has no code, §4.1.2.1's fits).
  if (err instanceof StoreUnavailableError) {
    const unavailable = new TemporarilyUnavailableError('store.unreachable');
    unavailable.headers['retry-after'] = '1';
    return unavailable;
  }
  const code = (err as FastifyError).code;
  if (code !== undefined && Object.hasOwn(descriptions, code)) {
    const answer = descriptions[code]!;
    return typeof answer === 'string' ? new InvalidRequestError(answer, `request.malformed: ${code}`) : answer();
  }
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return new InvalidRequestError('The request is malformed.', `request.malformed: ${code ?? err.message}`);
  return new ServerError(`request.unexpected: ${err.message}`);
}

/**
 * RFC 6749 §5.1, §5.2: token responses must not be cached, errors included. Set here, not
 * only in handlers: a body the parser rejects fails before any handler runs.
 */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** How an error becomes a JSON body: RFC 6749 §5.2's by default; the management API renders Auth0's shape. */
export type ErrorBody = (error: OAuthError) => Record<string, unknown>;
const oauthBody: ErrorBody = (error) => error.toJSON();

export function sendError(reply: FastifyReply, error: OAuthError, body: ErrorBody = oauthBody): FastifyReply {
  return reply.code(error.status).headers({ ...NO_STORE, ...error.headers }).send(body(error));
}

/** The error handler alone, for a plugin nested in one that has the not-found handler already. */
export function handleErrors(app: FastifyInstance, descriptions: Record<string, FrameworkAnswer> = {}, body: ErrorBody = oauthBody): void {
  const described = { ...FRAMEWORK_ERRORS, ...descriptions };
  app.setErrorHandler((err, request, reply) => {
    const error = toOAuthError(err as Error, described);
    // An unreachable database is told to the log once per outage (observability/outages.ts), not with a stack per request.
    if (err instanceof StoreUnavailableError) request.log.debug({ code: error.error }, error.description);
    else if (error.status >= 500) request.log.error({ err, code: error.error }, 'request failed');
    else request.log.info({ code: error.error, detail: error.detail }, error.description);
    return sendError(reply, error, body);
  });
}

export function registerErrorHandler(app: FastifyInstance, descriptions: Record<string, FrameworkAnswer> = {}, body: ErrorBody = oauthBody): void {
  handleErrors(app, descriptions, body);
  app.setNotFoundHandler((_request, reply) => sendError(reply, new NotFoundError('No such endpoint.'), body));
}
