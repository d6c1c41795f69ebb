/** The thin Fastify layer: routes hand parsed input to framework-free endpoints. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidClientError, MethodNotAllowedError } from '../errors/oauth.ts';
import { tokenEndpoint, type TokenEndpointDeps } from '../endpoints/token.ts';
import { userinfoEndpoint } from '../endpoints/userinfo.ts';
import { discoveryDocument, type DiscoveryFeatures } from '../endpoints/discovery.ts';
import { revokeEndpoint, type RevokeDeps } from '../endpoints/revoke.ts';
import { introspectEndpoint } from '../endpoints/introspect.ts';
import { authenticateClient, claimedClientId } from '../client-auth/registry.ts';
import type { KeyRing } from '../keys/keyring.ts';
import type { ApiStore } from '../storage/slices/apis.ts';
import type { ConnectionStore } from '../storage/slices/connections.ts';
import type { UserStore } from '../storage/slices/users.ts';
import { paramsOf } from './body.ts';
import type { RequestRateLimit } from '../protection/rate-limit.ts';
import type { ClientRateLimits, DeferredRateLimit } from '../protection/client-rate-limit.ts';
import { FORWARDED_FOR_HEADERS } from '../protection/forwarded-for.ts';
import type { CertificateReader } from './client-certificate.ts';
import { registerMfaRoutes } from './mfa-routes.ts';
import { registerLegacyRoutes } from './legacy-routes.ts';
import type { MfaEndpointDeps } from '../endpoints/mfa.ts';
import { realmsEndpoint } from '../endpoints/realms.ts';
import { registerCors, type CorsDeps } from './cors.ts';

/** The endpoints a browser app calls, with their methods: CORS answers them for the client's registered origins. */
const BROWSER_ROUTES = {
  '/oauth/token': ['POST'], '/oauth/revoke': ['POST'], '/userinfo': ['GET', 'POST'], '/realms': ['GET'],
  '/mfa/associate': ['POST'], '/mfa/challenge': ['POST'], '/mfa/authenticators': ['GET'], '/mfa/authenticators/:id': ['DELETE'],
} as const satisfies Record<string, readonly string[]>;
/** Seconds a browser or proxy may keep the realm list: a connection made public shows within this. */
const REALMS_MAX_AGE = 300;

/** A header sent once; a repeated one is passed on joined, so it fails validation rather than picking a side. */
function headerOf(request: FastifyRequest, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = request.headers[name];
    if (value !== undefined) return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}

export interface RouteDeps {
  issuer: string;
  /** The client IP (socket address, or what trusted proxies say). */
  clientIp: (request: FastifyRequest) => string;
  /** The TLS client certificate (Tollgate's own TLS, or a trusted proxy's header). */
  clientCertificate: CertificateReader;
  /** The request rate limit, when enabled: per address, and at the token endpoint by client (client-rate-limit.ts). */
  rateLimit: { limit: RequestRateLimit; byClient: ClientRateLimits } | undefined;
  token: TokenEndpointDeps;
  /** Finding a presented token (revocation, introspection) and revoking it. */
  lookup: RevokeDeps;
  users: UserStore;
  connections: ConnectionStore;
  apis: ApiStore;
  keys: KeyRing;
  features: DiscoveryFeatures;
  mfa: MfaEndpointDeps;
  /** Finding the client a browser request names, for CORS. */
  cors: CorsDeps;
  /** The legacy /oauth/ro's Deprecation headers when it is enabled (legacy-routes.ts); undefined: not mounted. */
  legacy: Record<string, string> | undefined;
}

/** RFC 6749 §5.1: responses carrying tokens or credentials must not be cached. */
function noStore(reply: FastifyReply): FastifyReply {
  return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
}

/** The other methods at `url` are answered 405 with Allow. */
export function onlyMethods(app: FastifyInstance, url: string, allowed: string[]): void {
  const others = (['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const).filter((m) => !allowed.includes(m));
  app.route({ method: others, url, handler: async () => { throw new MethodNotAllowedError(allowed.join(', ')); } });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The end user's address (trusted proxies and forwarded-for applied), worked out once when the request arrives. */
    clientIp: string;
  }
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.decorateRequest('clientIp', '');
  app.addHook('onRequest', async (request) => {
    request.clientIp = deps.clientIp(request);
  });
  registerCors(app, BROWSER_ROUTES, deps.cors);
  const authenticated = async (request: FastifyRequest) => {
    const params = paramsOf(request.body);
    const input = { params, authorization: request.headers.authorization, certificate: deps.clientCertificate(request) };
    const { client } = await authenticateClient(input, deps.token.clients, deps.token.clientAuth);
    return { client, params };
  };

  // The client IP is worked out once per request (request.clientIp, set by the onRequest hook above). The MFA API's
  // rate limit runs before the body is read, so a flood costs little; the token endpoint's once the body (16 KiB at
  // most) names the client, before the client authenticates.
  const deferred = new WeakMap<FastifyRequest, DeferredRateLimit>();
  const rateLimited = async (request: FastifyRequest) => {
    await deps.rateLimit?.limit.take([{ ip: request.clientIp }]);
  };
  const limitedByClient = async (request: FastifyRequest) => {
    if (!deps.rateLimit) return;
    const claimedId = claimedClientId({ params: paramsOf(request.body), authorization: request.headers.authorization });
    const claimed = claimedId === null ? undefined : await deps.token.clients.getClient(claimedId);
    const later = await deps.rateLimit.byClient.admit(claimed, request.clientIp, headerOf(request, FORWARDED_FOR_HEADERS));
    if (later) deferred.set(request, later);
  };
  const tokenLimited = { preHandler: limitedByClient };
  /** The DPoP header; when nonces are required, every answer to a proof carries a fresh one (RFC 9449 §8.2). */
  const dpopOf = async (request: FastifyRequest, reply: FastifyReply) => {
    const proof = headerOf(request, ['dpop']);
    const { nonces } = deps.token.dpop;
    if (proof !== undefined && nonces) reply.header('dpop-nonce', await nonces.current());
    return proof;
  };

  const tokenRequest = (request: FastifyRequest) => ({
    params: paramsOf(request.body),
    authorization: request.headers.authorization,
    certificate: deps.clientCertificate(request),
    request: { ip: request.clientIp, userAgent: request.headers['user-agent'], forwardedFor: headerOf(request, FORWARDED_FOR_HEADERS) },
    rateLimit: deferred.get(request),
  });

  app.post('/oauth/token', tokenLimited, async (request, reply) => {
    noStore(reply);
    return tokenEndpoint({ ...tokenRequest(request), dpop: await dpopOf(request, reply) }, deps.token);
  });
  onlyMethods(app, '/oauth/token', ['POST']);

  if (deps.legacy) {
    const headers = deps.legacy;
    app.register(async (scoped) => registerLegacyRoutes(scoped, { headers, token: deps.token, rateLimited: tokenLimited, tokenRequest, onlyMethods }));
  }

  // RFC 7009 §2.2: 200 with an empty body, whether or not the token was known.
  app.post('/oauth/revoke', async (request, reply) => {
    noStore(reply);
    const { client, params } = await authenticated(request);
    await revokeEndpoint(client, params, deps.lookup);
    return reply.code(200).send();
  });
  onlyMethods(app, '/oauth/revoke', ['POST']);

  app.post('/oauth/introspect', async (request, reply) => {
    noStore(reply);
    // RFC 7662 §2.3: a caller that fails to authenticate, or does not try, gets 401 and a challenge, not 400.
    const { client, params } = await authenticated(request).catch((err: unknown) => { throw err instanceof InvalidClientError ? err.challenged() : err; });
    return introspectEndpoint(client, params, deps.lookup);
  });
  onlyMethods(app, '/oauth/introspect', ['POST']);

  const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
    noStore(reply);
    return userinfoEndpoint({
      method: request.method, authorization: request.headers.authorization, params: paramsOf(request.body),
      certificate: deps.clientCertificate(request), dpop: await dpopOf(request, reply),
    }, { ...deps.lookup, users: deps.users, dpop: deps.token.dpop });
  };
  app.get('/userinfo', userinfo);
  app.post('/userinfo', userinfo);
  onlyMethods(app, '/userinfo', ['GET', 'POST']);

  // The MFA API parses its bodies its own way, so it is a plugin of its own (Fastify scopes content-type parsers).
  app.register(async (scoped) => registerMfaRoutes(scoped, {
    endpoints: deps.mfa, rateLimited, noStore, clientCertificate: deps.clientCertificate,
    requestInfo: (request) => ({ ip: request.clientIp, userAgent: request.headers['user-agent'] }),
  }));

  app.get('/realms', async (request, reply) => {
    const answer = await realmsEndpoint((request.query as Record<string, unknown>).client_id, { clients: deps.token.clients, connections: deps.connections });
    reply.header('cache-control', `public, max-age=${REALMS_MAX_AGE}`);
    return answer;
  });
  onlyMethods(app, '/realms', ['GET']);

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return discoveryDocument(deps.issuer, await deps.apis.listApis(), deps.keys.algorithms(), deps.features);
  });
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', `public, max-age=${deps.keys.maxAge}`);
    return deps.keys.jwks();
  });
}
