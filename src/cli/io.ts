/** CLI plumbing: exit codes, stdin, and loading the configuration a command works on. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile, parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

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
    process.stderr.write(`tollgate: ${(err as Error).message}\n`);
    return EXIT.failure;
  }
}
