/** `tollgate migrate`: applies the pending schema migrations to the configured store and says which. */
import { openStore, storeOptions } from '../storage/open.ts';
import { parseOptions } from './args.ts';
import { loadConfig } from './io.ts';

const HELP = `Usage: tollgate migrate [--config FILE]

Applies the pending schema migrations to the store named by the configuration's "storage", all in one
transaction; several nodes may run it at once. Needed before "tollgate serve" when "migrations" is "manual".
`;

export async function migrate(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' } }, HELP);
  if (!opts) return;
  const { config } = loadConfig(opts.config);
  const store = await openStore(config.storage, { ...storeOptions(config), migrations: 'none' });
  try {
    const applied = await store.migrate();
    if (applied.length === 0) process.stdout.write('schema is up to date\n');
    for (const m of applied) process.stdout.write(`applied migration ${m.version} (${m.name})\n`);
  } finally {
    await store.close();
  }
}
