/** The list and delete commands of clients, connections and APIs: the same for each kind but the words. */
import { listViews } from '../management/owned-records.ts';
import type { Actor, ManagementContext } from '../management/context.ts';
import type { ConfiguredKind, ConfiguredRecords, Owner } from '../model/configured.ts';
import { parseOptions, withOperand } from './args.ts';
import { loadConfig, print, tsv } from './io.ts';
import { withManagement } from './store.ts';

/** `tollgate <kind> list [--json]`: a header naming the columns, then one row per record; or the views as JSON. */
export function listCommand<K extends ConfiguredKind, V>(kind: K, help: string, viewOf: (record: ConfiguredRecords[K], managedBy: Owner) => V, header: readonly string[], row: (view: V) => string[]) {
  return async (args: string[]): Promise<number | void> => {
    const opts = parseOptions(args, { config: { type: 'string' }, json: { type: 'boolean' } }, help);
    if (!opts) return;
    const views = await withManagement(loadConfig(opts.config).config, (ctx) => listViews(ctx, kind, viewOf));
    print(opts.json, views, (all) => tsv(header, all.map(row)));
  };
}

/** `tollgate <kind> delete KEY`. */
export function deleteCommand(help: string, noun: string, operand: string, remove: (ctx: ManagementContext, actor: Actor, key: string) => Promise<void>) {
  return async (args: string[]): Promise<number | void> => {
    const a = withOperand(args, {}, help, operand);
    if (!a) return;
    await withManagement(a.config, (ctx) => remove(ctx, null, a.operand));
    process.stdout.write(`deleted ${noun} ${a.operand}\n`);
  };
}
