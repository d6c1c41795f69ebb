/** `tollgate hash-password`: an argon2id PHC string for `password_hash`, with the configured parameters. */
import { argon2Hasher } from '../accounts/passwords.ts';
import { parseOptions } from './args.ts';
import { UsageError, loadConfig, readStdin } from './io.ts';

const HELP = `Usage: echo -n PASSWORD | tollgate hash-password [--config FILE]

Prints an argon2id PHC string for the password read from standard input,
made with the configuration's password_hashing parameters.
`;

export async function hashPassword(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' } }, HELP);
  if (!opts) return;
  const { config } = loadConfig(opts.config);
  const password = await readStdin();
  if (password === '') throw new UsageError('the password on standard input is empty');
  process.stdout.write(`${await argon2Hasher(config.password_hashing).hash(password)}\n`);
}
