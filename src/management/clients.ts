/**
 * Clients through the management API and the CLI. A confidential client's secret is generated here, returned once
 * (at creation and at each rotation) and kept only as its SHA-256.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { generateClientSecret, hashClientSecret } from '../client-auth/secrets.ts';
import { CLIENT_AUTH_METHODS } from '../protocol/client-auth-methods.ts';
import { clientProofFields } from '../config/proof-schema.ts';
import { clientSchema } from '../config/schema.ts';
import { clientRecordOf } from '../config/sync.ts';
import { InvalidInputError, ResourceConflictError } from '../errors/management.ts';
import { GRANT_TYPES } from '../protocol/grant-types.ts';
import { MFA_FACTORS, MFA_POLICIES } from '../model/directory.ts';
import type { Owner } from '../model/configured.ts';
import type { ClientRecord } from '../model/client.ts';
import { checkClient } from './checks.ts';
import { deleteOwned, findChangeable, insertOwned, replaceOwned } from './owned-records.ts';
import type { Actor, ManagementContext } from './context.ts';
import { optionalFields, patchOf } from './input.ts';

/**
 * The methods a client made here may use: a generated secret (kept as its SHA-256) or none. Methods that need keys,
 * certificates or the secret itself (client_secret_jwt) are configured in the file, with the checks that go with them.
 */
export const MANAGED_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

const proofFields = Object.fromEntries(Object.keys(clientProofFields).map((key) => [key, true])) as { [K in keyof typeof clientProofFields]: true };
const fields = clientSchema.omit({ client_secret: true, client_secret_hash: true, ...proofFields }).extend({
  token_endpoint_auth_method: z.enum(MANAGED_AUTH_METHODS).default('client_secret_basic')
    .describe('client_secret_basic or client_secret_post (a secret is generated), or none for a public client.'),
}).shape;

export const createClientBody = z.strictObject({
  ...fields,
  client_id: fields.client_id.optional().describe('The client identifier (default: 32 random hex digits).'),
});
export type CreateClientBody = z.output<typeof createClientBody>;

const { client_id: _id, refresh_token, ...changeable } = fields;
export const updateClientBody = patchOf(changeable).extend({
  refresh_token: patchOf(refresh_token.unwrap().shape).optional().describe('Changes the given refresh token settings; the others stay.'),
});
export type UpdateClientBody = z.output<typeof updateClientBody>;

export const clientParams = z.strictObject({ id: z.string().describe('The client_id.') });

/** A client as shown: never its secret's hash. */
export const clientView = z.object({
  client_id: z.string(), name: z.string().nullable(), token_endpoint_auth_method: z.enum(CLIENT_AUTH_METHODS), grant_types: z.array(z.enum(GRANT_TYPES)),
  connections: z.array(z.string()).nullable(), default_connection: z.string().nullable(), scope: z.string().nullable(),
  refresh_token: z.object({ rotation: z.enum(['rotating', 'non-rotating']), leeway: z.number().int(), idle_ttl: z.number().int(), absolute_ttl: z.number().int() }),
  introspection: z.boolean(), trust_forwarded_for: z.boolean(), api_grants: z.record(z.string(), z.array(z.string())),
  mfa: z.object({ policy: z.enum(MFA_POLICIES).optional(), factors: z.array(z.enum(MFA_FACTORS)).optional() }).nullable(),
  client_metadata: z.record(z.string(), z.string()).describe('Free-form pairs post-login actions read as event.client.metadata.'),
  allowed_origins: z.array(z.string()).describe('Web origins whose pages may call Tollgate as this client (CORS).'),
  managed_by: z.enum(['config', 'api']).describe('config: the configuration file owns it (read-only here); api: the management API and CLI do.'),
  ...optionalFields(clientProofFields),
});
export type ClientView = z.output<typeof clientView>;

export const clientWithSecret = clientView.extend({ client_secret: z.string().optional().describe('Shown this once (confidential clients): only its SHA-256 is kept.') });
export type ClientWithSecret = z.output<typeof clientWithSecret>;

export function viewOfClient(client: ClientRecord, managed_by: Owner): ClientView {
  const { secret_hash: _stored, ...view } = client;
  return { ...view, client_metadata: client.client_metadata ?? {}, allowed_origins: client.allowed_origins ?? [], managed_by };
}

export async function createClient(ctx: ManagementContext, actor: Actor, body: CreateClientBody): Promise<ClientWithSecret> {
  const secret = body.token_endpoint_auth_method === 'none' ? undefined : generateClientSecret();
  const record = clientRecordOf({
    ...body, client_id: body.client_id ?? randomBytes(16).toString('hex'), tls_client_certificate_bound_access_tokens: false, dpop_bound_access_tokens: false,
  }, secret === undefined ? null : hashClientSecret(secret));
  await checkClient(ctx, record);
  await insertOwned(ctx, actor, 'clients', record);
  return { ...viewOfClient(record, 'api'), ...(secret === undefined ? {} : { client_secret: secret }) };
}

export async function updateClient(ctx: ManagementContext, actor: Actor, clientId: string, patch: UpdateClientBody): Promise<ClientRecord> {
  const stored = await findChangeable(ctx, 'clients', clientId);
  const { refresh_token: refreshPatch, ...changes } = patch;
  const record: ClientRecord = { ...stored, ...changes, refresh_token: { ...stored.refresh_token, ...refreshPatch } };
  if ((stored.token_endpoint_auth_method === 'none') !== (record.token_endpoint_auth_method === 'none')) {
    throw new InvalidInputError('body', [{
      field: 'token_endpoint_auth_method', message: 'cannot change between a public client (none) and a confidential one: create another client',
    }]);
  }
  await checkClient(ctx, record);
  await replaceOwned(ctx, actor, 'clients', record);
  return record;
}

/** A new secret replaces the old one at once (on other nodes within storage_cache_ttl). */
export async function rotateClientSecret(ctx: ManagementContext, actor: Actor, clientId: string): Promise<ClientWithSecret> {
  const stored = await findChangeable(ctx, 'clients', clientId);
  if (stored.secret_hash === null) throw new ResourceConflictError(`The client "${clientId}" is public (token_endpoint_auth_method none): it has no secret.`);
  const secret = generateClientSecret();
  const record = { ...stored, secret_hash: hashClientSecret(secret) };
  await replaceOwned(ctx, actor, 'clients', record, 'secret_rotated');
  return { ...viewOfClient(record, 'api'), client_secret: secret };
}

export function deleteClient(ctx: ManagementContext, actor: Actor, clientId: string): Promise<void> {
  return deleteOwned(ctx, actor, 'clients', clientId);
}
