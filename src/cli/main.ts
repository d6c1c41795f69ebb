/** `tollgate <command>`: dispatch to one module per command. */
import { EXIT, run } from './io.ts';
import { serve } from './serve.ts';
import { users } from './users.ts';
import { hashPassword } from './hash-password.ts';
import { migrate } from './migrate.ts';
import { blocks } from './blocks.ts';
import { logs } from './logs.ts';
import { keys } from './keys.ts';
import { clients } from './clients.ts';
import { connections } from './connections.ts';
import { apis } from './apis.ts';
import { backup, restore } from './backup.ts';
import { didYouMean } from '../config/did-you-mean.ts';
import { VERSION } from '../version.ts';

const HELP = `Usage: tollgate <command> [options]

Commands:
  serve            run the authorization server
  users            add, list, show, update, block, unblock, set-password, reset-mfa, delete, import users
                   (import: Auth0's bulk import format, a JSON file)
  clients          add, list, rotate-secret, delete clients
  connections      add, list, delete connections (user directories)
  apis             add, list, delete APIs (audiences and their scopes)
  hash-password    print an argon2id PHC string for the password on stdin
  migrate          apply pending schema migrations to the store
  blocks list      list brute-force blocks
  blocks clear     clear an account's block (and its failure counter)
  logs             show audit events (logins, blocks, throttling)
  keys list        list signing keys and their states (next, current, previous, revoked)
  keys rotate      make the next signing key current; the current one stays published as previous
  keys revoke      withdraw a previous signing key: tokens it signed stop verifying
  backup           copy the SQLite store (and its MFA key file) while the server runs
  restore          restore such a copy into a fresh SQLite store

Run "tollgate <command> --help" for a command's options; "tollgate --version" (after any command too) prints the version.
Exit codes: 0 success, 1 failure, 2 usage or configuration error.
`;

const commands: Record<string, (args: string[]) => Promise<number | void>> = {
  serve,
  users,
  'hash-password': hashPassword,
  migrate,
  blocks,
  logs,
  keys,
  clients,
  connections,
  apis,
  backup,
  restore,
};

/** `--version` anywhere before `--`, on `tollgate` and on every command (an operator checks what a node runs). */
function asksVersion(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--version');
}

export async function main(argv: string[]): Promise<number> {
  if (asksVersion(argv)) {
    process.stdout.write(`tollgate ${VERSION}\n`);
    return EXIT.ok;
  }
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`tollgate: unknown command "${name}"${didYouMean(name, Object.keys(commands))}\n\n${HELP}`);
    return EXIT.usage;
  }
  return run(() => command(rest));
}
