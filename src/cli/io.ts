/** CLI plumbing: exit codes, stdin, and loading the configuration a command works on. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile, parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { InvalidInputError } from '../errors/management.ts';
import { OAuthError } from '../errors/oauth.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class UsageError extends Error {}

export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../examples/tollgate.yaml', import.meta.url));

/** --config, then TOLLGATE_CONFIG, then the bundled example. */
export function configPath(flag: string | undefined): string {
  return flag ?? (process.env.TOLLGATE_CONFIG || EXAMPLE_CONFIG);
}

export function loadConfig(flag: string | undefined): { config: Config; file: string } {
  const file = configPath(flag);
  if (flag === undefined && !process.env.TOLLGATE_CONFIG && !existsSync(file)) {
    return { config: parseConfig({}), file: '(defaults)' };
  }
  return { config: loadConfigFile(file), file };
}

/** `--json`: the value as JSON; otherwise what `human` makes of it. */
export function print<T>(json: boolean | undefined, value: T, human: (value: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : human(value));
}

/** Rows as tab-separated lines under a header line naming the columns (human mode; --json has the field names). */
export function tsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((row) => `${row.join('\t')}\n`).join('');
}

/** Unix seconds as an ISO 8601 instant, for human-readable output. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A record as `key: value` lines (objects as JSON, times as ISO 8601), leaving out empty values. */
export function describeRecord(record: object): string {
  const shown = (key: string, value: unknown) =>
    typeof value === 'object' ? JSON.stringify(value) : key.endsWith('_at') && typeof value === 'number' ? isoTime(value) : String(value);
  return Object.entries(record).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}: ${shown(k, v)}\n`).join('');
}

/** "a,b, c" as ["a", "b", "c"]; undefined stays undefined. */
export function listOf(value: string | undefined): string[] | undefined {
  return value?.split(',').map((item) => item.trim()).filter(Boolean);
}

/** A password from standard input, never from the command line (it would show in the process list and shell history). */
export async function readPassword(flag: boolean | undefined): Promise<string> {
  if (!flag) throw new UsageError('--password-stdin is required: passwords are never taken from the command line');
  const password = await readStdin();
  if (password === '') throw new UsageError('the password on standard input is empty');
  return password;
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('expected the value on standard input (pipe it in)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Runs a command, mapping errors to exit codes: 2 for usage and configuration, 1 for the rest. */
export async function run(command: () => Promise<number | void>): Promise<number> {
  try {
    return (await command()) ?? EXIT.ok;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`tollgate: ${err.message}\n`);
      return EXIT.usage;
    }
    // The management operations' errors: bad input is a usage error, each problem on a line; the rest say why they failed.
    if (err instanceof InvalidInputError) {
      process.stderr.write(err.problems.map((p) => `tollgate: ${p.field}: ${p.message}\n`).join(''));
      return EXIT.usage;
    }
    if (err instanceof OAuthError) {
      process.stderr.write(`tollgate: ${err.description}\n`);
      return EXIT.failure;
    }
    process.stderr.write(`tollgate: ${(err as Error).message}\n`);
    return EXIT.failure;
  }
}
