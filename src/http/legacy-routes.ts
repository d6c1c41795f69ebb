/**
 * Auth0's legacy POST {issuer}/oauth/ro, mounted only when enabled. A plugin of its own, so its hook marks
 * every answer deprecated (RFC 9745), errors and refused bodies included.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { TokenEndpointDeps, TokenRequest } from '../endpoints/token.ts';
import { legacyResourceOwnerEndpoint } from '../endpoints/legacy-resource-owner.ts';

/**
 * RFC 9745 §2.1: when /oauth/ro became deprecated, as a structured-field Date (RFC 9651 §3.3.7): 8 July 2017, the day
 * Auth0 deprecated it. A date in the past says it is deprecated already.
 */
export const RESOURCE_OWNER_DEPRECATED_AT = 1_499_472_000;

/** The headers that mark every /oauth/ro answer deprecated, or undefined when the endpoint is off (not mounted). */
export function deprecationHeaders(config: Config['legacy']): Record<string, string> | undefined {
  if (!config.resource_owner_endpoint) return undefined;
  const headers: Record<string, string> = { deprecation: `@${RESOURCE_OWNER_DEPRECATED_AT}` };
  // RFC 9745 §3: where to read about the deprecation and what replaces it.
  if (config.deprecation_link !== undefined) headers.link = `<${config.deprecation_link}>; rel="deprecation"`;
  return headers;
}

export interface LegacyRouteDeps {
  /** The Deprecation (and Link) headers. */
  headers: Record<string, string>;
  token: TokenEndpointDeps;
  /** The token endpoint's rate limit: the client IP before the body is read, the limit once its client is named. */
  rateLimited: { preHandler: (request: FastifyRequest) => Promise<void> };
  /** The token request as /oauth/token reads it. */
  tokenRequest: (request: FastifyRequest) => TokenRequest;
  onlyMethods: (app: FastifyInstance, url: string, allowed: string[]) => void;
}

export function registerLegacyRoutes(app: FastifyInstance, deps: LegacyRouteDeps): void {
  app.addHook('onRequest', async (_request, reply) => {
    // RFC 6749 §5.1: like the token endpoint's, no answer here may be cached, errors included.
    reply.headers({ ...deps.headers, 'cache-control': 'no-store', pragma: 'no-cache' });
  });
  app.post('/oauth/ro', deps.rateLimited, async (request) => legacyResourceOwnerEndpoint(deps.tokenRequest(request), deps.token));
  deps.onlyMethods(app, '/oauth/ro', ['POST']);
}
