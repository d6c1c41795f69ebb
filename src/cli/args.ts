/** Option parsing shared by the commands: node:util parseArgs, with --help and usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config/schema.ts';
import { UsageError, loadConfig } from './io.ts';
import { didYouMean } from '../config/did-you-mean.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs' "Unknown option '--confg'" as `unknown option "--confg" (did you mean "--config"?)` when one is near. */
function withSuggestion(err: Error & { code?: string }, options: Options): string {
  const typed = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /Unknown option '(-[^']*)'/.exec(err.message)?.[1] : undefined;
  const suggestion = typed === undefined ? '' : didYouMean(typed, [...Object.keys(options), 'help'].map((name) => `--${name}`));
  // Without a suggestion, parseArgs' own words, which say how to pass an operand that starts with "-".
  return suggestion === '' ? err.message : `unknown option "${typed}"${suggestion}`;
}

export function parseOptions<O extends Options>(args: string[], options: O, help: string) {
  return parseArguments(args, options, help, 0)?.values;
}

/** parseOptions with up to `positionals` operands (`tollgate keys revoke KID`), which are returned too. */
export function parseArguments<O extends Options>(args: string[], options: O, help: string, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals > 0, strict: true });
  } catch (err) {
    throw new UsageError(`${withSuggestion(err as Error, options)}\n\n${help}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return undefined;
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"\n\n${help}`);
  return {
    values: parsed.values as { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string },
    positionals: parsed.positionals,
  };
}

/**
 * `tollgate <group> <sub> OPERAND [options]` (a user, a client id, a connection name): the operand, the options and
 * the configuration (--config); undefined after --help. `operand` says what is missing when it is.
 */
export function withOperand<O extends Options>(args: string[], options: O, help: string, operand: string) {
  const parsed = parseArguments(args, { ...options, config: { type: 'string' } }, help, 1);
  if (!parsed) return undefined;
  const [value] = parsed.positionals;
  if (value === undefined) throw new UsageError(`${operand} is required\n\n${help}`);
  const config: Config = loadConfig(parsed.values.config as string | undefined).config;
  return { operand: value, opts: parsed.values, config };
}

type Subcommand = (args: string[]) => Promise<number | void>;

/** `tollgate <group> <sub> ...`: runs the named subcommand, prints help, or explains what is missing. */
export async function dispatch(group: string, args: string[], subcommands: Record<string, Subcommand>, help: string): Promise<number | void> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(help);
    return;
  }
  const run = sub === undefined ? undefined : subcommands[sub];
  if (!run) {
    const suggestion = sub === undefined ? '' : didYouMean(sub, Object.keys(subcommands));
    throw new UsageError(`${sub === undefined ? 'missing' : 'unknown'} ${group} command${sub ? ` "${sub}"` : ''}${suggestion}\n\n${help}`);
  }
  return run(rest);
}
