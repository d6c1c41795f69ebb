/** `tollgate blocks list|clear`: brute-force blocks, for operators with direct store access. */
import { unblockAccount } from '../protection/unblock.ts';
import { dispatch, parseOptions } from './args.ts';
import { UsageError, isoTime, loadConfig, tsv } from './io.ts';
import { nowSeconds, silentAudit, withStore } from './store.ts';

const HELP = `Usage:
  tollgate blocks list [--connection C] [--username U] [--json] [--config FILE]
  tollgate blocks clear --connection C --username U [--ip IP] [--config FILE]

A block stops one IP (or, in per_account mode, every IP: shown as "*") from logging in to an account
after attack_protection.brute_force.threshold consecutive failures. Clearing it also resets the counter.
`;

async function list(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' }, connection: { type: 'string' }, username: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (!opts) return;
  const { config } = loadConfig(opts.config);
  const blocks = await withStore(config, (store) => store.attempts.listLoginBlocks({ connection: opts.connection, username: opts.username?.toLowerCase() }, nowSeconds()));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(blocks, null, 2)}\n`);
    return;
  }
  if (blocks.length === 0) process.stdout.write('no blocks\n');
  else {
    process.stdout.write(tsv(['connection', 'username', 'ip', 'failures', 'blocked_at', 'until'], blocks.map((b) => [
      b.connection, b.username, b.ip, String(b.failures), isoTime(b.blocked_at!), b.block_expires_at === null ? 'cleared' : isoTime(b.block_expires_at),
    ])));
  }
}

async function clear(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' }, connection: { type: 'string' }, username: { type: 'string' }, ip: { type: 'string' } }, HELP);
  if (!opts) return;
  if (!opts.connection || !opts.username) throw new UsageError(`--connection and --username are required\n\n${HELP}`);
  const { config } = loadConfig(opts.config);
  const filter = { connection: opts.connection, username: opts.username.toLowerCase(), ip: opts.ip };
  const cleared = await withStore(config, (store) => unblockAccount({ attempts: store.attempts, audit: silentAudit(store) }, { ...filter, reason: 'operator' }));
  process.stdout.write(`cleared ${cleared} counter${cleared === 1 ? '' : 's'} for ${filter.username} in ${filter.connection}${filter.ip ? ` from ${filter.ip}` : ''}\n`);
}

export const blocks = (args: string[]) => dispatch('blocks', args, { list, clear }, HELP);
