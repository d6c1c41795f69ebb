/** `tollgate users import FILE`: Auth0's bulk user import format into one connection of the store. */
import { readFile } from 'node:fs/promises';
import { ImportFileError, importAuth0Users, type ImportReport } from '../accounts/import/import-users.ts';
import { policyChecks, policyOf } from '../accounts/password-policy.ts';
import { argon2Hasher } from '../accounts/passwords.ts';
import { parseArguments } from './args.ts';
import { EXIT, UsageError, loadConfig } from './io.ts';
import { nowSeconds, withBreachedPasswords, withStore } from './store.ts';

export const IMPORT_HELP = `Usage: tollgate users import FILE --connection C [--upsert] [--json] [--config FILE]

Imports users from FILE, a JSON array in Auth0's bulk import format (docs/import.md): email, username, profile,
metadata, and a password as password_hash (bcrypt), custom_password_hash (argon2, bcrypt, pbkdf2, scrypt, sha256,
sha512: kept as they are and replaced by argon2id at each user's first login) or password (plain, checked against
the connection's password_policy and hashed now).

  --connection C   the connection the users join
  --upsert         a user whose username or email exists gets the record's profile (and its password, while the
                   stored one is still an imported hash nobody has logged in with); otherwise that is a conflict
  --json           print the whole report as JSON

Each record that cannot be imported is reported with its index, line and reason; the others are imported.
Exit codes: 0 all imported, 1 some records refused (or FILE is not a JSON array: then none), 2 usage error.
`;

function summary(report: ImportReport, connection: string): string {
  const conflicts = report.problems.filter((p) => p.kind === 'conflict').length;
  const refused = report.problems.length;
  const kept = report.passwords_kept > 0 ? ` (${report.passwords_kept} kept their password)` : '';
  return `imported ${report.created + report.updated} of ${report.records} users into ${connection}: ${report.created} created, `
    + `${report.updated} updated${kept}; ${refused} refused (${conflicts} conflicting, ${refused - conflicts} invalid)\n`;
}

export async function importUsers(args: string[]): Promise<number | void> {
  const parsed = parseArguments(args, { config: { type: 'string' }, connection: { type: 'string' }, upsert: { type: 'boolean' }, json: { type: 'boolean' } }, IMPORT_HELP, 1);
  if (!parsed) return;
  const { values: opts, positionals: [file] } = parsed;
  if (file === undefined || !opts.connection) throw new UsageError(`FILE and --connection are required\n\n${IMPORT_HELP}`);
  const { config } = loadConfig(opts.config);
  if (!config.connections.some((c) => c.name === opts.connection)) throw new UsageError(`--connection: unknown connection "${opts.connection}"`);
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError(`cannot read ${file}: ${err.message}`);
  });
  const hasher = argon2Hasher(config.password_hashing);
  const options = { connection: opts.connection, upsert: opts.upsert ?? false, policy: policyOf(config, opts.connection), now: nowSeconds() };
  let report: ImportReport;
  try {
    report = await withStore(config, (store) => withBreachedPasswords(store, config,
      (breached) => importAuth0Users(text, options, { store, hasher, checks: policyChecks(hasher, breached) })));
  } catch (err) {
    if (!(err instanceof ImportFileError)) throw err;
    process.stderr.write(`tollgate: ${file}: ${err.message}; nothing was imported\n`);
    return EXIT.failure;
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    for (const p of report.problems) process.stderr.write(`tollgate: ${file}: [${p.index}] line ${p.line}: ${p.kind === 'conflict' ? 'conflict: ' : ''}${p.reason}\n`);
    process.stdout.write(summary(report, opts.connection));
  }
  return report.problems.length > 0 ? EXIT.failure : EXIT.ok;
}
