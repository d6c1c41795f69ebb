/** `tollgate apis ...`: APIs (resource servers) the management API and the CLI own, beside the configuration file's. */
import { withOwner } from '../management/owned-records.ts';
import { parseInput } from '../management/input.ts';
import { createApi, createApiBody, deleteApi } from '../management/resource-servers.ts';
import { dispatch, withOperand } from './args.ts';
import { UsageError, listOf, print } from './io.ts';
import { deleteCommand, listCommand } from './records.ts';
import { withManagement } from './store.ts';

const HELP = `Usage:
  tollgate apis add IDENTIFIER [--name N] [--scopes S,S] [--access-token-ttl SECONDS] [--json] [--config FILE]
  tollgate apis list [--json] [--config FILE]
  tollgate apis delete IDENTIFIER [--config FILE]

An API is an audience clients ask access tokens for; its scopes are the ones it defines. The configuration file's
(and Tollgate's own management and MFA APIs) are read-only here; one a client is granted cannot be deleted. Running
nodes see a change within storage_cache_ttl.
`;

const json = { type: 'boolean' } as const;

async function add(args: string[]): Promise<number | void> {
  const a = withOperand(args, { json, name: { type: 'string' }, scopes: { type: 'string' }, 'access-token-ttl': { type: 'string' } }, HELP, 'IDENTIFIER');
  if (!a) return;
  const ttl = a.opts['access-token-ttl'];
  if (ttl !== undefined && !/^\d+$/.test(ttl)) throw new UsageError(`--access-token-ttl: expected seconds, got "${ttl}"`);
  const body = parseInput(createApiBody, { identifier: a.operand, name: a.opts.name, scopes: listOf(a.opts.scopes), access_token_ttl: ttl && Number(ttl) }, 'body');
  const api = await withManagement(a.config, async (ctx) => withOwner(await createApi(ctx, null, body), 'api'));
  print(a.opts.json, api, (x) => `created API ${x.identifier}${x.scopes.length > 0 ? ` with scopes ${x.scopes.join(' ')}` : ''}\n`);
}

export const apis = (args: string[]) => dispatch('apis', args, {
  add,
  list: listCommand('apis', HELP, withOwner, ['identifier', 'scopes', 'managed_by'], (x) => [x.identifier, x.scopes.join(' ') || '-', x.managed_by]),
  delete: deleteCommand(HELP, 'API', 'IDENTIFIER', deleteApi),
}, HELP);
