/** `tollgate users ...`: the management API's user operations, for operators with direct store access. */
import { NotFoundError } from '../errors/oauth.ts';
import { resetMfa as removeAuthenticators } from '../management/authenticators.ts';
import { unblockUser } from '../management/blocks.ts';
import type { ManagementContext } from '../management/context.ts';
import { parseInput } from '../management/input.ts';
import { createUser, createUserBody, deleteUser, updateUser, updateUserBody, viewOfUser, type UserView } from '../management/users.ts';
import { searchUsers } from '../management/user-search.ts';
import { dispatch, parseOptions, withOperand } from './args.ts';
import { UsageError, describeRecord, loadConfig, print, readPassword, tsv } from './io.ts';
import { withManagement } from './store.ts';
import { importUsers } from './users-import.ts';

const HELP = `Usage:
  tollgate users add --connection C --username U [--email E] [--name N] --password-stdin [--json] [--config FILE]
  tollgate users list [--connection C] [--username U] [--email E] [--query Q] [--json] [--config FILE]
  tollgate users show USER [--json] [--config FILE]
  tollgate users update USER [--username U] [--email E] [--email-verified true|false] [--name N] [--given-name N]
                        [--family-name N] [--nickname N] [--picture URL] [--app-metadata JSON] [--user-metadata JSON] [--json] [--config FILE]
  tollgate users block USER [--config FILE]
  tollgate users unblock USER [--config FILE]
  tollgate users set-password USER --password-stdin [--config FILE]
  tollgate users reset-mfa USER [--config FILE]
  tollgate users delete USER [--config FILE]
  tollgate users import FILE --connection C [--upsert] [--json] [--config FILE]   (see "tollgate users import --help")

USER is a user id (the sub of their tokens) or CONNECTION/USERNAME, e.g. customers/alice. An empty value
(--email '') clears a field; metadata is merged key by key, and a key set to null is removed.
"block" stops the user from logging in and revokes their refresh tokens; "unblock" lets them in again and also
clears brute-force blocks on the account. "reset-mfa" removes every MFA authenticator of the user. A new password
revokes the user's refresh tokens (tokens.revoke_refresh_on_password_change) and clears brute-force blocks.
Passwords are only read from standard input, and checked against the connection's password_policy (length,
strength, no username or email in it, history) and, when it is on, breached password detection.
`;

const json = { type: 'boolean' } as const;
const config = { type: 'string' } as const;

function describeUser(user: UserView): string {
  const { user_id: _id, connection: _c, username: _u, ...rest } = user;
  return `${user.connection}/${user.username} (user_id ${user.user_id})\n${describeRecord(rest).replace(/^(?=.)/gm, '  ')}`;
}

/** USER: an id, else CONNECTION/USERNAME (a name, not an email address, so it names one user). */
async function findUser(ctx: ManagementContext, ref: string) {
  const byId = await ctx.store.users.getUser(ref);
  if (byId) return byId;
  const slash = ref.indexOf('/');
  const found = slash > 0 ? await ctx.store.users.findUserByLogin(ref.slice(0, slash), ref.slice(slash + 1)) : undefined;
  if (!found || found.username.toLowerCase() !== ref.slice(slash + 1).toLowerCase()) throw new NotFoundError(`No user "${ref}".`);
  return found;
}

/** `tollgate users <sub> USER [options]`. */
const userArgs = <O extends Parameters<typeof withOperand>[1]>(args: string[], options: O) =>
  withOperand(args, options, HELP, 'USER (a user id or CONNECTION/USERNAME)');

async function add(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, {
    config, json, connection: { type: 'string' }, username: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' },
  }, HELP);
  if (!opts) return;
  if (!opts.connection || !opts.username) throw new UsageError(`--connection and --username are required\n\n${HELP}`);
  const password = await readPassword(opts['password-stdin']);
  const body = parseInput(createUserBody, { connection: opts.connection, username: opts.username, email: opts.email, name: opts.name, password }, 'body');
  const user = await withManagement(loadConfig(opts.config).config, (ctx) => createUser(ctx, null, body));
  print(opts.json, user, (u) => `created user ${u.username} in ${u.connection} (sub ${u.user_id})\n`);
}

async function list(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config, json, connection: { type: 'string' }, username: { type: 'string' }, email: { type: 'string' }, query: { type: 'string' } }, HELP);
  if (!opts) return;
  const { connection, username, email, query } = opts;
  // --query is the management API's q (Auth0's v3 search syntax), parsed the same way.
  const users = await withManagement(loadConfig(opts.config).config, (ctx) =>
    searchUsers(ctx, { connection, username, email, q: query, include_fields: true, page: 0, per_page: 100_000, include_totals: false })) as UserView[];
  print(opts.json, users, (all) => tsv(['connection', 'username', 'email', 'user_id', 'status'], all.map((u) => [
    u.connection, u.username, u.email ?? '-', u.user_id, [u.blocked ? 'blocked' : '', u.password_leaked ? 'password leaked' : ''].filter(Boolean).join(',') || '-',
  ])));
}

async function show(args: string[]): Promise<number | void> {
  const a = userArgs(args, { json });
  if (!a) return;
  const user = await withManagement(a.config, async (ctx) => viewOfUser(await findUser(ctx, a.operand)));
  print(a.opts.json, user, describeUser);
}

const PROFILE_FLAGS = {
  username: 'username', email: 'email', 'email-verified': 'email_verified', name: 'name', 'given-name': 'given_name', 'family-name': 'family_name',
  nickname: 'nickname', picture: 'picture', 'app-metadata': 'app_metadata', 'user-metadata': 'user_metadata',
} as const;

/** The update a command line asks for: '' clears, true/false are booleans, metadata is JSON. */
function patchOf(values: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(PROFILE_FLAGS)) {
    const value = values[flag];
    if (typeof value !== 'string') continue;
    if (field.endsWith('_metadata')) {
      try {
        patch[field] = JSON.parse(value);
      } catch {
        throw new UsageError(`--${flag}: not JSON: ${value}`);
      }
    } else patch[field] = value === '' ? null : field === 'email_verified' && ['true', 'false'].includes(value) ? value === 'true' : value;
  }
  return patch;
}

async function update(args: string[]): Promise<number | void> {
  const a = userArgs(args, { ...Object.fromEntries(Object.keys(PROFILE_FLAGS).map((flag) => [flag, { type: 'string' as const }])), json });
  if (!a) return;
  const patch = parseInput(updateUserBody, patchOf(a.opts), 'body');
  if (Object.keys(patch).length === 0) throw new UsageError(`nothing to change: give at least one field\n\n${HELP}`);
  const user = await withManagement(a.config, async (ctx) => updateUser(ctx, null, (await findUser(ctx, a.operand)).id, patch));
  print(a.opts.json, user, (u) => `updated ${u.connection}/${u.username}\n`);
}

async function setBlocked(args: string[], blocked: boolean): Promise<number | void> {
  const a = userArgs(args, {});
  if (!a) return;
  const { user, cleared } = await withManagement(a.config, async (ctx) => {
    const { id } = await findUser(ctx, a.operand);
    return { user: await updateUser(ctx, null, id, { blocked }), cleared: blocked ? 0 : await unblockUser(ctx, null, id) };
  });
  process.stdout.write(blocked
    ? `blocked ${user.connection}/${user.username}: logins are refused and their refresh tokens revoked\n`
    : `unblocked ${user.connection}/${user.username}${cleared > 0 ? ` and cleared ${cleared} brute-force counter${cleared === 1 ? '' : 's'}` : ''}\n`);
}

async function setPassword(args: string[]): Promise<number | void> {
  const a = userArgs(args, { 'password-stdin': { type: 'boolean' } });
  if (!a) return;
  const patch = parseInput(updateUserBody, { password: await readPassword(a.opts['password-stdin']) }, 'body');
  const user = await withManagement(a.config, async (ctx) => updateUser(ctx, null, (await findUser(ctx, a.operand)).id, patch));
  const revoked = a.config.tokens.revoke_refresh_on_password_change ? 'their refresh tokens revoked and ' : '';
  process.stdout.write(`changed the password of ${user.connection}/${user.username}: ${revoked}brute-force blocks cleared\n`);
}

async function remove(args: string[]): Promise<number | void> {
  const a = userArgs(args, {});
  if (!a) return;
  const user = await withManagement(a.config, async (ctx) => {
    const found = await findUser(ctx, a.operand);
    await deleteUser(ctx, null, found.id);
    return found;
  });
  process.stdout.write(`deleted ${user.connection}/${user.username} (sub ${user.id}) and revoked their refresh tokens\n`);
}

async function resetMfa(args: string[]): Promise<number | void> {
  const a = userArgs(args, {});
  if (!a) return;
  const { user, removed } = await withManagement(a.config, async (ctx) => {
    const found = await findUser(ctx, a.operand);
    return { user: found, removed: await removeAuthenticators(ctx, null, found.id) };
  });
  process.stdout.write(`removed ${removed} MFA authenticator${removed === 1 ? '' : 's'} of ${user.connection}/${user.username}\n`);
}

export const users = (args: string[]) => dispatch('users', args, {
  add, list, show, update, block: (rest) => setBlocked(rest, true), unblock: (rest) => setBlocked(rest, false), 'set-password': setPassword, 'reset-mfa': resetMfa, delete: remove, import: importUsers,
}, HELP);
