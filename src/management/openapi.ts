/** The OpenAPI 3.1 document of the management API, generated from the operations' own zod schemas. */
import { z } from 'zod';
import { endpointsOf } from '../endpoints/discovery.ts';
import type { Operation } from './operation.ts';
import { MANAGEMENT_PREFIX, MANAGEMENT_SCOPES } from '../protocol/management-api.ts';

type JsonSchema = Record<string, unknown>;

/** OpenAPI 3.1 schemas are JSON Schema 2020-12, zod's default target; the dialect is the document's, not each schema's. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

/** One parameter per property of an object schema; optional ones (or with a default) are not required. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, property]) => {
    const { description, ...propertySchema } = jsonSchema(property, 'input');
    return { name, in: where, required: where === 'path' || !property.safeParse(undefined).success, ...(description ? { description } : {}), schema: propertySchema };
  });
}

const ERROR = { $ref: '#/components/schemas/Error' };

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: ERROR } } };
}

/** `get_users_by_id` for GET /users/:id, as Auth0 names its operations. */
function operationId(op: Operation): string {
  return [op.method.toLowerCase(), ...op.path.split('/').filter(Boolean).map((part) => (part.startsWith(':') ? `by_${part.slice(1)}` : part.replace(/-/g, '_')))].join('_');
}

function describe(op: Operation): JsonSchema {
  const status = op.status ?? 200;
  return {
    operationId: operationId(op),
    summary: op.summary,
    tags: [op.path.split('/')[1]],
    security: [{ management: [op.scope] }],
    parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
    ...(op.body ? { requestBody: { required: true, content: { [op.upload ? 'multipart/form-data' : 'application/json']: { schema: jsonSchema(op.body, 'input') } } } } : {}),
    responses: {
      [status]: { description: status === 204 ? 'Done.' : 'Success.', ...(op.response ? { content: { 'application/json': { schema: jsonSchema(op.response, 'output') } } } : {}) },
      400: errorResponse('Invalid input: `invalid_body`, `invalid_query` or `invalid_path`; `fields` names each field that is wrong.'),
      401: errorResponse('No access token, or an invalid, expired or revoked one (RFC 6750 §3.1 `invalid_token`, with WWW-Authenticate).'),
      403: errorResponse(`The token lacks the scope ${op.scope} (RFC 6750 §3.1 \`insufficient_scope\`, with WWW-Authenticate).`),
      ...(op.params ? { 404: errorResponse('No such record (`not_found`).') } : {}),
      ...(op.method !== 'GET' && !op.upload ? { 409: errorResponse('A conflict (`conflict`), or a record the configuration file manages (`config_managed`).') } : {}),
      ...(op.upload ? {
        413: errorResponse('The upload is larger than management.import_max_bytes (`payload_too_large`).'),
        429: errorResponse('This node already runs as many import jobs as it takes at once (`too_many_jobs`, with Retry-After).'),
      } : {}),
    },
  };
}

export function openApiDocument(issuer: string, operations: readonly Operation[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) {
    const path = op.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [op.method.toLowerCase()]: describe(op) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate Management API',
      version: '2',
      description: 'Manage users (and import them in bulk), clients, connections, APIs, signing keys, attack-protection settings and audit events. Call it with an access token from the '
        + 'client_credentials grant for the audience of this server URL with a trailing slash; each operation needs the scope it names.',
    },
    servers: [{ url: `${issuer.replace(/\/+$/, '')}${MANAGEMENT_PREFIX}` }],
    paths,
    components: {
      securitySchemes: {
        management: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: endpointsOf(issuer).token, scopes: MANAGEMENT_SCOPES } } },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['statusCode', 'error', 'message', 'errorCode'],
          properties: {
            statusCode: { type: 'integer' },
            error: { type: 'string', description: 'The HTTP reason phrase' },
            message: { type: 'string' },
            errorCode: { type: 'string' },
            fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
