/**
 * The configuration file's rules, applied to clients and connections the management API writes: the store's records
 * are checked as they would be after the change, and a change that would break a login is refused (400).
 */
import { clientProblems } from '../config/client-rules.ts';
import { mfaProblems } from '../config/mfa-rules.ts';
import { InvalidInputError, ResourceConflictError, type FieldProblem } from '../errors/management.ts';
import type { ClientRecord } from '../model/client.ts';
import type { ConnectionRecord } from '../model/directory.ts';
import type { ManagementContext } from './context.ts';

/** `list` with `changed` in place of the record of the same key, or added; and where it stands. */
function withChange<T>(list: T[], changed: T | undefined, same: (a: T, b: T) => boolean): { records: T[]; index: number } {
  if (changed === undefined) return { records: list, index: -1 };
  const at = list.findIndex((r) => same(r, changed));
  const records = at === -1 ? [...list, changed] : list.with(at, changed);
  return { records, index: at === -1 ? list.length : at };
}

/** MFA problems of the records after the change: the changed record's name its fields; another record's, the record it would break. */
async function mfaCheck(ctx: ManagementContext, change: { connection?: ConnectionRecord; client?: ClientRecord }): Promise<FieldProblem[]> {
  const connections = withChange(await ctx.store.connections.listConnections(), change.connection, (a, b) => a.name === b.name);
  const clients = withChange((await ctx.store.configured.listOwned('clients')).map((o) => o.record), change.client, (a, b) => a.client_id === b.client_id);
  return mfaProblems(ctx.mfa, connections.records, clients.records).map(({ where, field, message }) => {
    if (!where) return { field: 'mfa.policy', message: `${field} must be set in the configuration: ${message}` };
    const changed = where.kind === 'connections' ? connections : clients;
    if (where.index === changed.index) return { field, message };
    const other = where.kind === 'connections' ? `connection "${connections.records[where.index]!.name}"` : `client "${clients.records[where.index]!.client_id}"`;
    return { field: 'mfa.policy', message: `${other} would break: ${field}: ${message}` };
  });
}

export async function checkClient(ctx: ManagementContext, client: ClientRecord): Promise<void> {
  const [connections, apis] = [await ctx.store.connections.listConnections(), await ctx.store.apis.listApis()];
  const problems = [
    ...clientProblems(client, { connections: new Set(connections.map((c) => c.name)), apis, defaultConnection: ctx.defaultConnection }),
    ...await mfaCheck(ctx, { client }),
  ];
  if (problems.length > 0) throw new InvalidInputError('body', problems.map((p) => ({ field: p.field || '(root)', message: p.message })));
}

export async function checkConnection(ctx: ManagementContext, connection: ConnectionRecord): Promise<void> {
  const problems = await mfaCheck(ctx, { connection });
  if (problems.length > 0) throw new InvalidInputError('body', problems);
}

/** Refuses to remove what clients still name, saying which. */
export async function refuseIfUsed(ctx: ManagementContext, what: string, uses: (client: ClientRecord) => boolean): Promise<void> {
  const users = (await ctx.store.configured.listOwned('clients')).map((o) => o.record).filter(uses).map((c) => `"${c.client_id}"`);
  if (users.length > 0) throw new ResourceConflictError(`${what} is used by the client${users.length > 1 ? 's' : ''} ${users.join(', ')}: change ${users.length > 1 ? 'them' : 'it'} first.`);
}
