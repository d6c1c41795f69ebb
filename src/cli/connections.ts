/** `tollgate connections ...`: connections the management API and the CLI own, beside the configuration file's. */
import { withOwner } from '../management/owned-records.ts';
import { createConnection, createConnectionBody, deleteConnection } from '../management/connections.ts';
import { parseInput } from '../management/input.ts';
import { dispatch, withOperand } from './args.ts';
import { listOf, print } from './io.ts';
import { deleteCommand, listCommand } from './records.ts';
import { withManagement } from './store.ts';

const HELP = `Usage:
  tollgate connections add NAME [--display-name D] [--public] [--mfa-policy never|if_enrolled|always] [--mfa-factors F,F] [--json] [--config FILE]
  tollgate connections list [--json] [--config FILE]
  tollgate connections delete NAME [--config FILE]

A connection is a user directory (the realm of the password-realm grant). The configuration file's are read-only
here; one still holding users, or named by a client, cannot be deleted. --public lists it at {issuer}/realms for
the clients that may use it (a login form's realm dropdown). Running nodes see a change within
storage_cache_ttl.
`;

const json = { type: 'boolean' } as const;

async function add(args: string[]): Promise<number | void> {
  const a = withOperand(args, { json, 'display-name': { type: 'string' }, public: { type: 'boolean' }, 'mfa-policy': { type: 'string' }, 'mfa-factors': { type: 'string' } }, HELP, 'NAME');
  if (!a) return;
  const mfa = { policy: a.opts['mfa-policy'], factors: listOf(a.opts['mfa-factors']) };
  const body = parseInput(createConnectionBody, { name: a.operand, display_name: a.opts['display-name'], public: a.opts.public, mfa }, 'body');
  const connection = await withManagement(a.config, async (ctx) => withOwner(await createConnection(ctx, null, body), 'api'));
  print(a.opts.json, connection, (c) => `created connection ${c.name} (MFA ${c.mfa.policy})\n`);
}

export const connections = (args: string[]) => dispatch('connections', args, {
  add,
  list: listCommand('connections', HELP, withOwner, ['name', 'display_name', 'public', 'mfa_policy', 'managed_by'],
    (c) => [c.name, c.display_name ?? '-', c.public ? 'public' : '-', c.mfa.policy, c.managed_by]),
  delete: deleteCommand(HELP, 'connection', 'NAME', deleteConnection),
}, HELP);
