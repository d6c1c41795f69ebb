/** The five operations of a kind of configured record (clients, connections, APIs): list, read, create, change, delete. */
import { z } from 'zod';
import type { ConfiguredKind, ConfiguredRecords, Owner } from '../../model/configured.ts';
import { findOwned, listViews } from '../owned-records.ts';
import type { Caller } from '../auth.ts';
import type { Actor, ManagementContext } from '../context.ts';
import { pageOf, pagedResponse, pageQuery } from '../input.ts';
import { operation, type Operation } from '../operation.ts';

export interface ConfiguredResource<K extends ConfiguredKind, C, U> {
  /** Refuses what the caller may not ask for, beyond the operation's scope (checked before the handler runs). */
  guard?(caller: Caller, body: C | U, ctx: ManagementContext): void;
  kind: K;
  /** `/connections`; one record is at `${path}/:${param}`. */
  path: string;
  param: string;
  /** The scopes' noun: read:{scope}, create:{scope}, update:{scope}, delete:{scope}. */
  scope: 'clients' | 'connections' | 'resource_servers';
  /** What the records are called in summaries and in a page with totals. */
  plural: string;
  view: z.ZodType;
  viewOf(record: ConfiguredRecords[K], managedBy: Owner): unknown;
  create: { summary: string; body: z.ZodType<C>; response?: z.ZodType; handle(ctx: ManagementContext, actor: Actor, body: C): Promise<unknown> };
  update: { summary: string; body: z.ZodType<U>; handle(ctx: ManagementContext, actor: Actor, key: string, body: U): Promise<ConfiguredRecords[K]> };
  remove: { summary: string; handle(ctx: ManagementContext, actor: Actor, key: string): Promise<void> };
}

export function configuredOperations<K extends ConfiguredKind, C, U>(resource: ConfiguredResource<K, C, U>): Operation[] {
  const { kind, path, scope, plural, view, viewOf } = resource;
  const params = z.strictObject({ [resource.param]: z.string() });
  const keyOf = (p: Record<string, string>) => p[resource.param]!;
  const one = `${path}/:${resource.param}`;
  return [
    operation({
      method: 'GET', path, scope: `read:${scope}`, summary: `List ${plural} (the file's and the API's), each saying who manages it`,
      query: z.strictObject(pageQuery), response: pagedResponse(plural, view),
      handle: async ({ query }, ctx) => pageOf(plural, await listViews(ctx, kind, viewOf), query),
    }),
    operation({
      method: 'GET', path: one, scope: `read:${scope}`, summary: `Read one of the ${plural}`, params, response: view,
      handle: async ({ params: p }, ctx) => {
        const { record, managed_by } = await findOwned(ctx, kind, keyOf(p));
        return viewOf(record, managed_by);
      },
    }),
    operation({
      method: 'POST', path, scope: `create:${scope}`, summary: resource.create.summary, body: resource.create.body, response: resource.create.response ?? view, status: 201,
      handle: ({ body, caller }, ctx) => {
        resource.guard?.(caller, body, ctx);
        return resource.create.handle(ctx, caller.client_id, body);
      },
    }),
    operation({
      method: 'PATCH', path: one, scope: `update:${scope}`, summary: resource.update.summary, params, body: resource.update.body, response: view,
      handle: async ({ params: p, body, caller }, ctx) => {
        resource.guard?.(caller, body, ctx);
        return viewOf(await resource.update.handle(ctx, caller.client_id, keyOf(p), body), 'api');
      },
    }),
    operation({
      method: 'DELETE', path: one, scope: `delete:${scope}`, summary: resource.remove.summary, params, status: 204,
      handle: ({ params: p, caller }, ctx) => resource.remove.handle(ctx, caller.client_id, keyOf(p)),
    }),
  ];
}
