/**
 * What protects the server below the routes: node:http's timeouts for slow and idle clients, answers in the
 * endpoints' error shape for requests that never reach a route (unparseable HTTP, a stalled request, a bad URL), and
 * RFC 9112 §3.2's one Host header (and one Authorization, one Content-Type). docs/deployment.md#hardening describes them.
 */
import { STATUS_CODES, type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { HttpConfig } from '../config/http-schema.ts';
import { InvalidRequestError, OAuthError } from '../errors/oauth.ts';
import { NO_STORE, sendError, type ErrorBody } from './errors.ts';

const ms = (seconds: number) => Math.round(seconds * 1000);

/**
 * The Fastify options that set node:http's timeouts; `https` gets node:http's own options too (it takes the same).
 * `bodyFor` picks the error shape of a path the router could not take (the management API's paths answer in Auth0's).
 */
export function serverOptions(http: HttpConfig, https: object | undefined, bodyFor: (url: string) => ErrorBody | undefined = () => undefined) {
  const node: ServerOptions = {
    headersTimeout: ms(http.headers_timeout),
    // node:http checks the header and request timeouts on this interval, 30 s by default (so a stalled request held
    // its connection for headers_timeout + 30 s): a quarter of the header timeout, at most a second.
    connectionsCheckingInterval: Math.max(25, Math.min(1000, ms(http.headers_timeout) / 4)),
    // A missing Host is answered by requireSingleHeaders, in the endpoints' error shape, with the repeated one node:http lets through.
    requireHostHeader: false,
  };
  return {
    requestTimeout: ms(http.request_timeout),
    keepAliveTimeout: ms(http.keep_alive_timeout),
    connectionTimeout: ms(http.idle_timeout),
    ...(https ? { https: { ...https, ...node } } : { http: node }),
    clientErrorHandler: answerClientError,
    frameworkErrors: (err: FastifyError, request: { url: string }, reply: FastifyReply) => sendError(reply, frameworkError(err), bodyFor(request.url)),
  };
}

/** A request the router could not take: a path that is not percent-encoded UTF-8 (%ZZ, overlong %C0%AF), or one too long. */
function frameworkError(err: FastifyError): OAuthError {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return new OAuthError('invalid_request', 414, 'A path segment is longer than 100 characters.', `request.malformed: ${err.code}`);
  return new InvalidRequestError('The request path is not valid percent-encoded UTF-8.', `request.malformed: ${err.code}`);
}

/** What node:http reports on the socket, before any request object exists. */
function clientError(code: string | undefined): OAuthError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new OAuthError('invalid_request', 408, 'The request did not arrive in time.', `request.malformed: ${code}`);
  if (code === 'HPE_HEADER_OVERFLOW') return new OAuthError('invalid_request', 431, 'The request headers are larger than 16 KiB.', `request.malformed: ${code}`);
  return new InvalidRequestError('The request is not valid HTTP/1.1.', `request.malformed: ${code}`);
}

/** Long enough for the answer to leave before the socket goes; short enough that a client cannot hold it open. */
const CLOSE_GRACE_MS = 500;

/**
 * node:http's parse errors and timeouts: answered in the OAuth error shape (the same as the management API's), not
 * cached, and with Connection: close, since the connection closes (RFC 9112 §9.6), so a keep-alive client does not
 * send its next request into a closed socket.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const response = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (!socket.writable || response?.headersSent) {
    socket.destroy();
    return;
  }
  const error = clientError(err.code);
  const body = JSON.stringify(error.toJSON());
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...NO_STORE, connection: 'close' };
  socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

/** RFC 3986 §3.2.2 host, with an optional port: an IP literal in brackets, or a reg-name. */
const HOST = /^(?:\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/**
 * Fields a request may carry once (RFC 9110 §5.3): node:http keeps the first of each and drops the rest, so a
 * request with two would be read one way here and maybe another way by a proxy in front. Refused instead.
 */
const SINGLETONS = new Set(['authorization', 'content-type']);

/**
 * RFC 9112 §3.2: 400 for an HTTP/1.1 request without a Host header, with more than one, or with one that is not a
 * host; and for a repeated Authorization or Content-Type.
 */
export function requireSingleHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const { rawHeaders, httpVersion } = request.raw;
    const names = rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
    const hosts = names.filter((name) => name === 'host').length;
    if (hosts > 1) throw new InvalidRequestError('The request has more than one Host header.');
    if (hosts === 0 && httpVersion === '1.1') throw new InvalidRequestError('The request has no Host header.');
    if (!HOST.test(request.headers.host ?? '')) throw new InvalidRequestError('The Host header is not a host name or address.');
    const repeated = names.find((name, i) => SINGLETONS.has(name) && names.indexOf(name) !== i);
    if (repeated !== undefined) throw new InvalidRequestError(`The request has more than one ${repeated} header.`);
  });
}
