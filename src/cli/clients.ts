/** `tollgate clients ...`: clients the management API and the CLI own, beside the configuration file's. */
import { createClient, createClientBody, deleteClient, rotateClientSecret, viewOfClient, type ClientWithSecret } from '../management/clients.ts';
import { parseInput } from '../management/input.ts';
import { dispatch, parseOptions, withOperand } from './args.ts';
import { UsageError, listOf, loadConfig, print } from './io.ts';
import { deleteCommand, listCommand } from './records.ts';
import { withManagement } from './store.ts';

const HELP = `Usage:
  tollgate clients add [--client-id ID] [--name N] [--auth-method M] [--grant-types G,G] [--connections C,C] [--default-connection C]
                       [--scope "S S"] [--api-grant AUDIENCE=SCOPE,SCOPE]... [--allowed-origins O,O] [--introspection] [--trust-forwarded-for]
                       [--json] [--config FILE]
  tollgate clients list [--json] [--config FILE]
  tollgate clients rotate-secret ID [--json] [--config FILE]
  tollgate clients delete ID [--config FILE]

A confidential client (--auth-method client_secret_basic, the default, or client_secret_post) gets a generated
secret, printed once: only its SHA-256 is kept. The configuration file's clients are read-only here. Running nodes
see a change within storage_cache_ttl. The rules of the configuration file apply (docs/configuration.md).
--allowed-origins names the web origins (https://app.example.com) whose pages may call Tollgate as the client (CORS).
`;

const config = { type: 'string' } as const;
const json = { type: 'boolean' } as const;

function shownOnce(client: ClientWithSecret): string {
  return client.client_secret === undefined ? '' : `client_secret: ${client.client_secret}\n(shown once: store it now; only its hash is kept)\n`;
}

/** --api-grant https://api.example.com=read:items,write:items, once per API. */
function apiGrants(values: string[] | undefined): Record<string, string[]> | undefined {
  if (values === undefined) return undefined;
  return Object.fromEntries(values.map((value) => {
    const at = value.lastIndexOf('=');
    if (at <= 0) throw new UsageError(`--api-grant: expected AUDIENCE=SCOPE,SCOPE, got "${value}"`);
    return [value.slice(0, at), listOf(value.slice(at + 1)) ?? []];
  }));
}

async function add(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, {
    config, json, 'client-id': { type: 'string' }, name: { type: 'string' }, 'auth-method': { type: 'string' }, 'grant-types': { type: 'string' },
    connections: { type: 'string' }, 'default-connection': { type: 'string' }, scope: { type: 'string' }, 'api-grant': { type: 'string', multiple: true },
    introspection: { type: 'boolean' }, 'trust-forwarded-for': { type: 'boolean' }, 'allowed-origins': { type: 'string' },
  }, HELP);
  if (!opts) return;
  const body = parseInput(createClientBody, {
    client_id: opts['client-id'], name: opts.name, token_endpoint_auth_method: opts['auth-method'], grant_types: listOf(opts['grant-types']),
    connections: listOf(opts.connections), default_connection: opts['default-connection'], scope: opts.scope, api_grants: apiGrants(opts['api-grant']),
    introspection: opts.introspection, trust_forwarded_for: opts['trust-forwarded-for'], allowed_origins: listOf(opts['allowed-origins']),
  }, 'body');
  const client = await withManagement(loadConfig(opts.config).config, (ctx) => createClient(ctx, null, body));
  print(opts.json, client, (c) => `created client ${c.client_id} (${c.token_endpoint_auth_method}, ${c.grant_types.join(', ')})\n${shownOnce(c)}`);
}

async function rotateSecret(args: string[]): Promise<number | void> {
  const a = withOperand(args, { json }, HELP, 'the client ID');
  if (!a) return;
  const client = await withManagement(a.config, (ctx) => rotateClientSecret(ctx, null, a.operand));
  print(a.opts.json, client, (c) => `rotated the secret of ${c.client_id}: the old one no longer works (on running nodes within storage_cache_ttl)\n${shownOnce(c)}`);
}

export const clients = (args: string[]) => dispatch('clients', args, {
  add,
  list: listCommand('clients', HELP, viewOfClient, ['client_id', 'auth_method', 'grant_types', 'managed_by'],
    (c) => [c.client_id, c.token_endpoint_auth_method, c.grant_types.join(','), c.managed_by]),
  'rotate-secret': rotateSecret,
  delete: deleteCommand(HELP, 'client', 'the client ID', deleteClient),
}, HELP);
