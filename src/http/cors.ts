/**
 * CORS (the Fetch standard's CORS protocol) for apps that call Tollgate from the browser: a page may read an answer
 * only when its exact origin is one the client named in the request registered (`clients[].allowed_origins`).
 * Credentials mode is never allowed (no Access-Control-Allow-Credentials): Tollgate uses no cookies, and a page
 * sends its client_id, tokens and DPoP proofs explicitly. An unregistered origin gets no CORS header at all, so the
 * browser keeps the answer from the page.
 *
 * A preflight (OPTIONS) carries no body and no Authorization header, so it cannot name the client: it is answered
 * for an origin that some client registered, and the actual request's answer is then readable only by the origins
 * of the client it names.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { claimedClientId } from '../client-auth/registry.ts';
import type { ClientStore } from '../storage/slices/clients.ts';
import type { MfaStore } from '../storage/slices/mfa.ts';
import { tokenHash } from '../tokens/opaque.ts';
import { paramsOf } from './body.ts';

export interface CorsDeps {
  clients: ClientStore;
  /** To find the client of an opaque mfa_token (the MFA API's bearer token). */
  mfa: MfaStore;
}

/** Request headers a browser app sends: the form or JSON body, client or bearer credentials, DPoP proofs (RFC 9449 §4.1). */
const ALLOWED_HEADERS = 'Authorization, Content-Type, DPoP';
/** Answer headers the app must read: DPoP nonces (RFC 9449 §8), RFC 6750 challenges, Retry-After of 429s. */
const EXPOSED_HEADERS = 'DPoP-Nonce, WWW-Authenticate, Retry-After';
/** Seconds a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE = 600;

/** The client a request names, unverified: CORS decides only who may read the answer; the endpoint authenticates. */
async function namedClientId(request: FastifyRequest, deps: CorsDeps): Promise<string | undefined> {
  const params = paramsOf(request.body);
  const claimed = claimedClientId({ params, authorization: request.headers.authorization, certificate: undefined });
  if (claimed) return claimed;
  const query = (request.query as Record<string, unknown> | undefined)?.client_id;
  if (typeof query === 'string') return query;
  // A bearer (or DPoP, RFC 9449 §7.1) token: an access token's client_id claim (RFC 9068 §2.2), or an mfa_token's client.
  const token = /^(?:Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined) return undefined;
  if (token.split('.').length === 3) {
    try {
      const clientId = decodeJwt(token).client_id;
      return typeof clientId === 'string' ? clientId : undefined;
    } catch {
      return undefined;
    }
  }
  return (await deps.mfa.findMfaToken(tokenHash(token)))?.client_id;
}

async function originAllowed(origin: string, clientId: string | undefined, clients: ClientStore): Promise<boolean> {
  if (clientId === undefined) return false;
  return (await clients.getClient(clientId))?.allowed_origins?.includes(origin) ?? false;
}

/** Whether any client registered `origin`: all a preflight can know. */
async function originRegistered(origin: string, clients: ClientStore): Promise<boolean> {
  return (await clients.listClients()).some((client) => client.allowed_origins?.includes(origin));
}

function originOf(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  return typeof origin === 'string' ? origin : undefined;
}

/**
 * Adds CORS to the routes at `urls` (each with its methods) registered in `app`: an OPTIONS route answering the
 * preflight, and an onSend hook giving the actual answer its Access-Control-Allow-Origin when the client allows the origin.
 */
export function registerCors(app: FastifyInstance, routes: Record<string, readonly string[]>, deps: CorsDeps): void {
  const prefix = app.prefix;
  const corsPaths = new Set(Object.keys(routes).map((url) => `${prefix}${url}`));
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (request.method === 'OPTIONS' || !corsPaths.has(request.routeOptions.url ?? '')) return payload;
    // The answer differs by Origin, so caches must keep one per Origin (Fetch standard, CORS protocol and HTTP caches).
    reply.header('vary', 'Origin');
    const origin = originOf(request);
    if (origin !== undefined && (await originAllowed(origin, await namedClientId(request, deps), deps.clients))) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    }
    return payload;
  });
  for (const [url, methods] of Object.entries(routes)) {
    app.options(url, async (request, reply) => {
      reply.header('allow', [...methods, 'OPTIONS'].join(', ')).header('vary', 'Origin');
      const origin = originOf(request);
      const method = request.headers['access-control-request-method'];
      if (origin !== undefined && typeof method === 'string' && methods.includes(method) && (await originRegistered(origin, deps.clients))) {
        reply.headers({
          'access-control-allow-origin': origin,
          'access-control-allow-methods': methods.join(', '),
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': String(PREFLIGHT_MAX_AGE),
        });
      }
      return reply.code(204).send();
    });
  }
}
