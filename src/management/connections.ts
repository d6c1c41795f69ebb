/** Connections (user directories) through the management API and the CLI. */
import { z } from 'zod';
import { connectionSchema } from '../config/schema.ts';
import { MFA_FACTORS, MFA_POLICIES, type ConnectionRecord } from '../model/directory.ts';
import { checkConnection, refuseIfUsed } from './checks.ts';
import { deleteOwned, findChangeable, insertOwned, replaceOwned } from './owned-records.ts';
import type { Actor, ManagementContext } from './context.ts';
import { patchOf } from './input.ts';
import { ResourceConflictError } from '../errors/management.ts';

/** A connection made here has the default password policy (connections[].password_policy is read from the file). */
export const createConnectionBody = connectionSchema.omit({ password_policy: true });
export type CreateConnectionBody = z.output<typeof createConnectionBody>;

const mfaShape = connectionSchema.shape.mfa.unwrap().shape;
export const updateConnectionBody = z.strictObject({
  display_name: connectionSchema.shape.display_name.unwrap().nullable(),
  public: connectionSchema.shape.public.unwrap(),
  mfa: patchOf(mfaShape).describe('Changes the given MFA settings; the others stay.'),
}).partial();
export type UpdateConnectionBody = z.output<typeof updateConnectionBody>;

export const connectionParams = z.strictObject({ name: z.string().describe('The connection name.') });

export const connectionView = z.object({
  name: z.string(), display_name: z.string().nullable(), public: z.boolean().describe('Listed at {issuer}/realms for the clients that may use it.'),
  mfa: z.object({ policy: z.enum(MFA_POLICIES), factors: z.array(z.enum(MFA_FACTORS)) }),
  managed_by: z.enum(['config', 'api']).describe('config: the configuration file owns it (read-only here); api: the management API and CLI do.'),
});

export async function createConnection(ctx: ManagementContext, actor: Actor, body: CreateConnectionBody): Promise<ConnectionRecord> {
  const record: ConnectionRecord = { name: body.name, display_name: body.display_name ?? null, mfa: body.mfa, public: body.public };
  await checkConnection(ctx, record);
  await insertOwned(ctx, actor, 'connections', record);
  return record;
}

export async function updateConnection(ctx: ManagementContext, actor: Actor, name: string, patch: UpdateConnectionBody): Promise<ConnectionRecord> {
  const stored = await findChangeable(ctx, 'connections', name);
  const { mfa, ...fields } = patch;
  const record: ConnectionRecord = { ...stored, ...fields, mfa: { ...stored.mfa, ...mfa } };
  await checkConnection(ctx, record);
  await replaceOwned(ctx, actor, 'connections', record);
  return record;
}

/** Refused while users or clients still belong to it: deleting it would strand them. */
export async function deleteConnection(ctx: ManagementContext, actor: Actor, name: string): Promise<void> {
  await findChangeable(ctx, 'connections', name);
  const users = await ctx.store.users.countUsers({ connection: name });
  if (users > 0) throw new ResourceConflictError(`The connection "${name}" still has ${users} user${users === 1 ? '' : 's'}: delete them first.`);
  await refuseIfUsed(ctx, `The connection "${name}"`, (c) => c.default_connection === name || (c.connections?.includes(name) ?? false));
  await deleteOwned(ctx, actor, 'connections', name);
}
