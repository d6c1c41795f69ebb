/** The thin Fastify layer: routes hand parsed input to framework-free endpoints. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidClientError, MethodNotAllowedError } from '../errors/oauth.ts';
import { tokenEndpoint, type TokenEndpointDeps } from '../endpoints/token.ts';
import { userinfoEndpoint } from '../endpoints/userinfo.ts';
import { discoveryDocument, type DiscoveryFeatures } from '../endpoints/discovery.ts';
import { revokeEndpoint, type RevokeDeps } from '../endpoints/revoke.ts';
import { introspectEndpoint } from '../endpoints/introspect.ts';
import { authenticateClient } from '../client-auth/registry.ts';
import type { KeyRing } from '../keys/keyring.ts';
import type { ApiStore } from '../storage/slices/apis.ts';
import type { ConnectionStore } from '../storage/slices/connections.ts';
import type { UserStore } from '../storage/slices/users.ts';
import { paramsOf } from './body.ts';
import type { RequestLimiter } from '../protection/rate-limit.ts';
import { FORWARDED_FOR_HEADERS } from '../protection/forwarded-for.ts';
import type { CertificateReader } from './client-certificate.ts';
import { registerMfaRoutes } from './mfa-routes.ts';
import { registerLegacyRoutes } from './legacy-routes.ts';
import type { MfaEndpointDeps } from '../endpoints/mfa.ts';

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
  /** The token endpoint's per-IP request rate limit, when enabled. */
  rateLimit: RequestLimiter | undefined;
  token: TokenEndpointDeps;
  /** Finding a presented token (revocation, introspection) and revoking it. */
  lookup: RevokeDeps;
  users: UserStore;
  connections: ConnectionStore;
  apis: ApiStore;
  keys: KeyRing;
  features: DiscoveryFeatures;
  mfa: MfaEndpointDeps;
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
  const authenticated = async (request: FastifyRequest) => {
    const params = paramsOf(request.body);
    const input = { params, authorization: request.headers.authorization, certificate: deps.clientCertificate(request) };
    const { client } = await authenticateClient(input, deps.token.clients, deps.token.clientAuth);
    return { client, params };
  };

  // The client IP is worked out once per request (request.clientIp, set by the onRequest hook below), and the rate
  // limit runs before the body is read, so a flood costs little.
  const rateLimited = async (request: FastifyRequest) => {
    await deps.rateLimit?.take(request.clientIp);
  };
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
  });

  app.post('/oauth/token', { onRequest: rateLimited }, async (request, reply) => {
    noStore(reply);
    return tokenEndpoint({ ...tokenRequest(request), dpop: await dpopOf(request, reply) }, deps.token);
  });
  onlyMethods(app, '/oauth/token', ['POST']);

  if (deps.legacy) {
    const headers = deps.legacy;
    app.register(async (scoped) => registerLegacyRoutes(scoped, { headers, token: deps.token, rateLimited, tokenRequest, onlyMethods }));
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

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return discoveryDocument(deps.issuer, await deps.apis.listApis(), deps.keys.algorithms(), deps.features);
  });
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', `public, max-age=${deps.keys.maxAge}`);
    return deps.keys.jwks();
  });
}
