/** The MFA API's routes: a plugin of their own, whose JSON bodies may carry Auth0's arrays (authenticator_types). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { associate, challenge, deleteAuthenticator, listAuthenticators, type MfaEndpointDeps } from '../endpoints/mfa.ts';
import type { MfaRequestInfo } from '../mfa/mfa-tokens.ts';
import { paramsOf, registerBodyParsers } from './body.ts';
import type { CertificateReader } from './client-certificate.ts';

export interface MfaRouteDeps {
  endpoints: MfaEndpointDeps;
  /** The request's client IP and user agent, for events. */
  requestInfo: (request: FastifyRequest) => MfaRequestInfo;
  /** The per-IP rate limit, for the routes that send codes or check them. */
  rateLimited: (request: FastifyRequest) => Promise<void>;
  noStore: (reply: FastifyReply) => FastifyReply;
  /** The TLS client certificate, for clients that authenticate with one. */
  clientCertificate: CertificateReader;
}

export function registerMfaRoutes(app: FastifyInstance, deps: MfaRouteDeps): void {
  const { endpoints, requestInfo, rateLimited, noStore, clientCertificate } = deps;
  const input = (request: FastifyRequest) => ({
    authorization: request.headers.authorization, params: paramsOf(request.body), request: requestInfo(request), certificate: clientCertificate(request),
  });
  registerBodyParsers(app, new Set(['authenticator_types', 'oob_channels']));

  app.get('/mfa/authenticators', async (request, reply) => {
    noStore(reply);
    return listAuthenticators(input(request), endpoints);
  });
  app.delete<{ Params: { id: string } }>('/mfa/authenticators/:id', async (request, reply) => {
    noStore(reply);
    await deleteAuthenticator({ ...input(request), id: request.params.id }, endpoints);
    return reply.code(204).send();
  });
  app.post('/mfa/associate', { onRequest: rateLimited }, async (request, reply) => {
    noStore(reply);
    return associate(input(request), endpoints);
  });
  app.post('/mfa/challenge', { onRequest: rateLimited }, async (request, reply) => {
    noStore(reply);
    return challenge(input(request), endpoints);
  });
}
