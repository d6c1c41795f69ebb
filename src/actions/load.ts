/**
 * Turns the `actions` configuration into runnable actions at start: built-ins from their settings, operator
 * modules by importing them. A module that cannot be loaded, or exports no onExecutePostLogin, is a configuration
 * error (exit 2): a login must never run with part of its pipeline missing.
 */
import { pathToFileURL } from 'node:url';
import type { ActionConfig } from '../config/schema.ts';
import { ConfigError } from '../config/load.ts';
import { BUILTIN_ACTIONS } from './builtins/index.ts';
import type { LoadedAction } from './pipeline.ts';
import type { Action } from './types.ts';

async function moduleHandler(path: string): Promise<Action['onExecutePostLogin'] | string> {
  let exported: Record<string, unknown>;
  try {
    exported = await import(pathToFileURL(path).href) as Record<string, unknown>;
  } catch (err) {
    return `cannot load "${path}": ${(err as Error).message.split('\n')[0]}`;
  }
  const fallback = exported.default as Partial<Action> | Action['onExecutePostLogin'] | undefined;
  const handler = exported.onExecutePostLogin ?? (typeof fallback === 'function' ? fallback : fallback?.onExecutePostLogin);
  if (typeof handler !== 'function') return `"${path}" exports no onExecutePostLogin function (named, or on its default export)`;
  return handler as Action['onExecutePostLogin'];
}

export async function loadActions(configs: readonly ActionConfig[], source = 'configuration'): Promise<LoadedAction[]> {
  const loaded = await Promise.all(configs.map(async (config, i): Promise<LoadedAction | string> => {
    const run = config.uses !== undefined
      ? BUILTIN_ACTIONS[config.uses].create(BUILTIN_ACTIONS[config.uses].settings.parse(config.with))
      : await moduleHandler(config.module!);
    if (typeof run === 'string') return `actions[${i}].module: ${run}`;
    return {
      name: config.name, run, timeout: config.timeout,
      clients: config.clients && new Set(config.clients), connections: config.connections && new Set(config.connections),
    };
  }));
  const problems = loaded.filter((a) => typeof a === 'string');
  if (problems.length > 0) throw new ConfigError(source, problems);
  return loaded as LoadedAction[];
}
