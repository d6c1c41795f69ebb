/** `tollgate users add|list`: operators with direct store access. */
import { argon2Hasher } from '../accounts/passwords.ts';
import { checkPassword, describeRefusal, policyChecks, policyOf } from '../accounts/password-policy.ts';
import { ConflictError } from '../storage/interfaces.ts';
import { nowSeconds, withStore } from './store.ts';
import { dispatch, parseOptions } from './args.ts';
import { EXIT, UsageError, loadConfig, readStdin } from './io.ts';
import { importUsers } from './users-import.ts';

const HELP = `Usage:
  tollgate users add --connection C --username U [--email E] [--name N] --password-stdin [--config FILE]
  tollgate users list [--connection C] [--json] [--config FILE]
  tollgate users import FILE --connection C [--upsert] [--json] [--config FILE]   (see "tollgate users import --help")

Users live in the store named by the configuration's "storage". "add" checks the password against the
connection's password_policy (length, strength, no username or email in it).
`;

async function add(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, {
    config: { type: 'string' }, connection: { type: 'string' }, username: { type: 'string' },
    email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' },
  }, HELP);
  if (!opts) return;
  const { config } = loadConfig(opts.config);
  if (!opts.connection || !opts.username) throw new UsageError(`--connection and --username are required\n\n${HELP}`);
  if (!opts['password-stdin']) throw new UsageError('--password-stdin is required: passwords are never taken from the command line');
  if (!config.connections.some((c) => c.name === opts.connection)) throw new UsageError(`--connection: unknown connection "${opts.connection}"`);
  const password = await readStdin();
  if (password === '') throw new UsageError('the password on standard input is empty');
  const hasher = argon2Hasher(config.password_hashing);
  const verdict = await checkPassword(policyOf(config, opts.connection), password, { username: opts.username, email: opts.email ?? null }, policyChecks(hasher));
  if (!verdict.ok) {
    process.stderr.write(`tollgate: ${describeRefusal(verdict)}\n`);
    return EXIT.failure;
  }
  const password_hash = await hasher.hash(password);
  return withStore(config, async (store) => {
    try {
      const user = await store.createUser({
        connection: opts.connection!, username: opts.username!, email: opts.email ?? null, email_verified: false, password_hash,
        name: opts.name ?? null, given_name: null, family_name: null, nickname: null, picture: null, blocked: false,
        app_metadata: {}, user_metadata: {},
      }, nowSeconds());
      process.stdout.write(`created user ${user.username} in ${user.connection} (sub ${user.id})\n`);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      process.stderr.write(`tollgate: ${err.message}\n`);
      return EXIT.failure;
    }
  });
}

async function list(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' }, connection: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (!opts) return;
  const { config } = loadConfig(opts.config);
  const users = await withStore(config, (store) => store.listUsers({ connection: opts.connection, limit: 10_000, offset: 0 }));
  const shown = users.map(({ password_hash: _hidden, ...rest }) => rest);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return;
  }
  for (const u of shown) process.stdout.write(`${u.connection}\t${u.username}\t${u.email ?? '-'}\t${u.id}${u.blocked ? '\tblocked' : ''}\n`);
}

export const users = (args: string[]) => dispatch('users', args, { add, list, import: importUsers }, HELP);
