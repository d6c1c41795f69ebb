/**
 * The management API as a Fastify plugin under {issuer}/api/v2: JSON bodies of its own (the OAuth endpoints' parser
 * turns bodies into string parameters), multipart ones for uploads, every operation behind a management access token
 * and its scope.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerErrorHandler } from '../http/errors.ts';
import { onlyMethods } from '../http/routes.ts';
import { authenticateCaller, requireScope, type Caller, type CallerDeps } from './auth.ts';
import type { ManagementContext } from './context.ts';
import { auth0ErrorBody } from './error-shape.ts';
import { Download } from './user-exports.ts';
import { parseInput } from './input.ts';
import { acceptUploads } from './multipart.ts';
import { openApiDocument } from './openapi.ts';
import type { Operation } from './operation.ts';
import { OPERATIONS } from './routes/index.ts';

export interface ManagementDeps {
  context: ManagementContext;
  callers: CallerDeps;
  issuer: string;
  /** management.import_max_bytes: the largest upload an upload operation takes. */
  uploadLimit: number;
}

/** Users' metadata may be larger than a token request. */
const BODY_LIMIT = 64 * 1024;

/** An operation that takes no query parameters still refuses unknown ones, so a typo is an error, not ignored. */
const NO_QUERY = z.strictObject({});

declare module 'fastify' {
  interface FastifyRequest {
    /** The management client calling, once its token and scope are checked (the operation's onRequest hook). */
    managementCaller: Caller | null;
  }
}

function register(app: FastifyInstance, op: Operation, deps: ManagementDeps): void {
  app.route({
    method: op.method,
    url: op.path,
    ...(op.upload ? { bodyLimit: deps.uploadLimit } : {}),
    // The token and its scope are checked before the body is read: nobody without them can make a node take in an upload.
    async onRequest(request) {
      const caller = await authenticateCaller(request.headers.authorization, deps.callers);
      requireScope(caller, op.scope);
      request.managementCaller = caller;
    },
    async handler(request, reply) {
      const caller = request.managementCaller!;
      const result = await op.handle({
        params: op.params && parseInput(op.params, request.params, 'path'),
        query: parseInput(op.query ?? NO_QUERY, request.query, 'query'),
        // No body at all reads as an empty object, so the answer names the fields that are required.
        body: op.body && parseInput(op.body, request.body ?? {}, 'body'),
        caller,
      }, deps.context);
      reply.code(op.status ?? 200).headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
      if (result instanceof Download) return reply.type(result.contentType).send(result.body);
      return op.status === 204 ? reply.send() : result;
    },
  });
}

export async function managementPlugin(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  app.decorateRequest('managementCaller', null);
  app.removeAllContentTypeParsers();
  // Fastify's own JSON parser, which refuses __proto__ and constructor.prototype keys.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, app.getDefaultJsonParser('error', 'error'));
  registerErrorHandler(app, {
    FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than 64 KiB.',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The Content-Type must be application/json.',
  }, auth0ErrorBody);
  const methods = new Map<string, string[]>();
  for (const op of OPERATIONS) {
    if (!op.upload) register(app, op, deps);
    methods.set(op.path, [...(methods.get(op.path) ?? []), op.method]);
  }
  // Uploads in a context of their own: multipart bodies up to the upload limit there, JSON of 64 KiB everywhere else.
  await app.register(async (uploads) => {
    acceptUploads(uploads, deps.uploadLimit);
    for (const op of OPERATIONS) if (op.upload) register(uploads, op, deps);
  });
  for (const [path, allowed] of methods) onlyMethods(app, path, allowed);

  const document = openApiDocument(deps.issuer, OPERATIONS);
  app.get('/openapi.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return document;
  });
  onlyMethods(app, '/openapi.json', ['GET']);
}
