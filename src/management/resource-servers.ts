/** APIs (Auth0's resource servers) through the management API and the CLI. */
import { z } from 'zod';
import { apiSchema } from '../config/schema.ts';
import type { ApiRecord } from '../model/directory.ts';
import { refuseIfUsed } from './checks.ts';
import { deleteOwned, findChangeable, insertOwned, replaceOwned } from './owned-records.ts';
import type { Actor, ManagementContext } from './context.ts';
import { patchOf } from './input.ts';

export const createApiBody = apiSchema;
export type CreateApiBody = z.output<typeof createApiBody>;

const { identifier: _key, ...changeable } = apiSchema.shape;
export const updateApiBody = patchOf(changeable);
export type UpdateApiBody = z.output<typeof updateApiBody>;

export const apiParams = z.strictObject({ id: z.string().describe('The API identifier (its audience), URL-encoded.') });

export const apiView = z.object({
  identifier: z.string(), name: z.string().nullable(), scopes: z.array(z.string()), access_token_ttl: z.number().int().nullable(),
  managed_by: z.enum(['config', 'api']).describe('config: the configuration file owns it (read-only here; the management and MFA APIs are Tollgate\'s own); api: the management API and CLI do.'),
});

export async function createApi(ctx: ManagementContext, actor: Actor, body: CreateApiBody): Promise<ApiRecord> {
  const record: ApiRecord = { identifier: body.identifier, name: body.name ?? null, scopes: body.scopes, access_token_ttl: body.access_token_ttl ?? null };
  await insertOwned(ctx, actor, 'apis', record);
  return record;
}

/** A scope a client is granted on this API cannot be removed: the client's grant would point at nothing. */
export async function updateApi(ctx: ManagementContext, actor: Actor, identifier: string, patch: UpdateApiBody): Promise<ApiRecord> {
  const stored = await findChangeable(ctx, 'apis', identifier);
  const record: ApiRecord = { ...stored, ...patch };
  for (const scope of stored.scopes.filter((s) => !record.scopes.includes(s))) {
    await refuseIfUsed(ctx, `The scope "${scope}" of "${identifier}"`, (c) => c.api_grants[identifier]?.includes(scope) ?? false);
  }
  await replaceOwned(ctx, actor, 'apis', record);
  return record;
}

export async function deleteApi(ctx: ManagementContext, actor: Actor, identifier: string): Promise<void> {
  await findChangeable(ctx, 'apis', identifier);
  await refuseIfUsed(ctx, `The API "${identifier}"`, (c) => identifier in c.api_grants);
  await deleteOwned(ctx, actor, 'apis', identifier);
}
