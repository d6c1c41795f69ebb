/**
 * Clients, connections and APIs through the management API: records the API owns beside the file's. The file's are
 * read-only here (409 config_managed): they are rewritten from the file at every start.
 */
import { ConfigManagedError, ResourceConflictError } from '../errors/management.ts';
import { NotFoundError } from '../errors/oauth.ts';
import { CONFIGURED_KEYS, type ConfiguredKind, type ConfiguredRecords, type Owned, type Owner } from '../model/configured.ts';
import { ConflictError } from '../storage/errors.ts';
import { recordChange, type Actor, type ManagementContext } from './context.ts';

const NOUN = { clients: 'client', connections: 'connection', apis: 'API' } as const;
const EVENT = { clients: 'client', connections: 'connection', apis: 'api' } as const;

export const keyOf = <K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): string =>
  (record as unknown as Record<string, string>)[CONFIGURED_KEYS[kind]]!;

const describe = (kind: ConfiguredKind, key: string) => `${NOUN[kind]} "${key}"`;

/** The connection events name their connection; every event names the record in its reason. */
function change(ctx: ManagementContext, actor: Actor, kind: ConfiguredKind, verb: 'created' | 'updated' | 'deleted', key: string): Promise<void> {
  return recordChange(ctx, actor, { type: `${EVENT[kind]}.${verb}`, reason: key, ...(kind === 'connections' ? { connection: key } : {}) });
}

export async function findOwned<K extends ConfiguredKind>(ctx: ManagementContext, kind: K, key: string): Promise<Owned<ConfiguredRecords[K]>> {
  const found = (await ctx.store.configured.listOwned(kind)).find((owned) => keyOf(kind, owned.record) === key);
  if (!found) throw new NotFoundError(`No ${describe(kind, key)}.`);
  return found;
}

/** A record as shown, saying who manages it. */
export const withOwner = <T>(record: T, managed_by: Owner) => ({ ...record, managed_by });

/** Every record of the kind, as `viewOf` shows it with its owner. */
export async function listViews<K extends ConfiguredKind, V>(ctx: ManagementContext, kind: K, viewOf: (record: ConfiguredRecords[K], managedBy: Owner) => V): Promise<V[]> {
  return (await ctx.store.configured.listOwned(kind)).map((owned) => viewOf(owned.record, owned.managed_by));
}

/** The record the API owns, for a change: a file's record is refused before anything else is checked, so the answer says why. */
export async function findChangeable<K extends ConfiguredKind>(ctx: ManagementContext, kind: K, key: string): Promise<ConfiguredRecords[K]> {
  const { record, managed_by } = await findOwned(ctx, kind, key);
  if (managed_by === 'config') throw new ConfigManagedError(`The ${describe(kind, key)}`);
  return record;
}

export async function insertOwned<K extends ConfiguredKind>(ctx: ManagementContext, actor: Actor, kind: K, record: ConfiguredRecords[K]): Promise<void> {
  const key = keyOf(kind, record);
  try {
    await ctx.store.configured.insertRecord(kind, record);
  } catch (err) {
    if (err instanceof ConflictError) throw new ResourceConflictError(`A ${describe(kind, key)} already exists.`);
    throw err;
  }
  await change(ctx, actor, kind, 'created', key);
}

/** Answers for an owner other than the API's: the file's record, or none at all. */
function refused(owner: 'config' | undefined, kind: ConfiguredKind, key: string): Error {
  return owner === 'config' ? new ConfigManagedError(`The ${describe(kind, key)}`) : new NotFoundError(`No ${describe(kind, key)}.`);
}

export async function replaceOwned<K extends ConfiguredKind>(ctx: ManagementContext, actor: Actor, kind: K, record: ConfiguredRecords[K], verb: 'updated' | 'secret_rotated' = 'updated'): Promise<void> {
  const key = keyOf(kind, record);
  const owner = await ctx.store.configured.replaceRecord(kind, record);
  if (owner !== 'api') throw refused(owner, kind, key);
  if (verb === 'secret_rotated') await recordChange(ctx, actor, { type: 'client.secret_rotated', reason: key });
  else await change(ctx, actor, kind, verb, key);
}

export async function deleteOwned(ctx: ManagementContext, actor: Actor, kind: ConfiguredKind, key: string): Promise<void> {
  const owner = await ctx.store.configured.deleteRecord(kind, key);
  if (owner !== 'api') throw refused(owner, kind, key);
  await change(ctx, actor, kind, 'deleted', key);
}
