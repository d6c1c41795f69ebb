/**
 * Request ids: each request gets one (a trusted proxy's X-Request-Id, or 128 random bits), returned in the X-Request-Id
 * response header, bound to its log lines as `request_id`, and carried through the RequestScope to the audit events it
 * causes. A client cannot choose its id (it could then pass its requests off as another's in the logs); the proxies
 * the operator trusts can, so one id follows a request from the edge through Tollgate.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { normalizeIp, type IpList } from '../protection/ip-list.ts';
import type { Span } from '@opentelemetry/api';
import { requestIdOf, type RequestScope, type RequestState } from '../observability/request-scope.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Fastify's genReqId. */
export function requestIdGenerator(trustedProxies: IpList): (raw: IncomingMessage) => string {
  return (raw) => requestIdOf(raw.headers[REQUEST_ID_HEADER], trustedProxies.has(normalizeIp(raw.socket.remoteAddress ?? '')));
}

declare module 'fastify' {
  interface FastifyRequest {
    scopeState: RequestState | null;
    /** The request's trace span, when tracing is on. */
    traceSpan: Span | undefined;
  }
}

/**
 * The header on every response (set first, so error answers carry it too), and the scope entered for the request's
 * work. The scope is entered again once the body is read: body parsing runs from the socket's events, outside it.
 */
export function registerRequestIds(app: FastifyInstance, scope: RequestScope, startSpan?: (request: FastifyRequest) => Span): void {
  app.decorateRequest('scopeState', null);
  app.decorateRequest('traceSpan', undefined);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    const state: RequestState = { requestId: request.id };
    request.scopeState = state;
    request.traceSpan = startSpan?.(request);
    scope.run(state, done, request.traceSpan);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.scopeState) scope.run(request.scopeState, done, request.traceSpan);
    else done();
  });
}
