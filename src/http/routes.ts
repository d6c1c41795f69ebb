/** The thin Fastify layer: routes hand parsed input to framework-free endpoints. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MethodNotAllowedError } from '../errors/oauth.ts';
import { tokenEndpoint, type TokenEndpointDeps } from '../endpoints/token.ts';
import { userinfoEndpoint } from '../endpoints/userinfo.ts';
import { discoveryDocument } from '../endpoints/discovery.ts';
import type { KeyRing } from '../keys/keyring.ts';
import type { DirectoryStore, UserStore } from '../storage/interfaces.ts';
import type { TokenIssuer } from '../tokens/issuer.ts';
import { paramsOf } from './body.ts';

export interface RouteDeps {
  issuer: string;
  token: TokenEndpointDeps;
  tokenIssuer: TokenIssuer;
  users: UserStore;
  directory: DirectoryStore;
  keys: KeyRing;
}

/** RFC 6749 §5.1: responses carrying tokens or credentials must not be cached. */
function noStore(reply: FastifyReply): FastifyReply {
  return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
}

function onlyMethods(app: FastifyInstance, url: string, allowed: string[]): void {
  const others = (['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const).filter((m) => !allowed.includes(m));
  app.route({ method: others, url, handler: async () => { throw new MethodNotAllowedError(allowed.join(', ')); } });
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/oauth/token', async (request, reply) => {
    noStore(reply);
    return tokenEndpoint({
      params: paramsOf(request.body),
      authorization: request.headers.authorization,
      request: { ip: request.ip, userAgent: request.headers['user-agent'] },
    }, deps.token);
  });
  onlyMethods(app, '/oauth/token', ['POST']);

  const userinfo = async (request: { body: unknown; headers: { authorization?: string } }, reply: FastifyReply) => {
    noStore(reply);
    return userinfoEndpoint({ authorization: request.headers.authorization, params: paramsOf(request.body) }, { issuer: deps.tokenIssuer, users: deps.users });
  };
  app.get('/userinfo', userinfo);
  app.post('/userinfo', userinfo);
  onlyMethods(app, '/userinfo', ['GET', 'POST']);

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return discoveryDocument(deps.issuer, await deps.directory.listApis(), deps.keys.algorithms());
  });
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return deps.keys.jwks();
  });
}
