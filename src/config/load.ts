/**
 * Loading: read YAML or JSON, substitute ${ENV} in string values, validate
 * against the schema, then check cross-references. Every problem names its
 * key path, e.g. `clients[1].grant_types[0]: unknown grant type "pasword"`.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.ts';
import { checkReferences } from './cross-references.ts';
import { issuerOf } from './issuer.ts';
import { describeIssues, formatPath } from './issues.ts';
import { MAX_JSON_DEPTH } from '../protocol/json-depth.ts';

export { describeIssues, formatPath, issuerOf };

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid configuration in ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * How deep the walk below goes: deeper than any setting (metadata under users[i] may nest MAX_JSON_DEPTH levels and
 * the schema says so at its path), and far short of what would exhaust the stack.
 */
const MAX_CONFIG_DEPTH = MAX_JSON_DEPTH + 8;

/** Replaces ${NAME} and ${NAME:-default} in every string value; a missing variable is a problem. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, problems: string[], path: PropertyKey[] = []): unknown {
  if (path.length > MAX_CONFIG_DEPTH) {
    const problem = `${formatPath(path.slice(0, 4))}: nests more than ${MAX_CONFIG_DEPTH} levels`;
    if (!problems.includes(problem)) problems.push(problem);
    return undefined;
  }
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_, varName: string, fallback: string | undefined) => {
      const found = env[varName] ?? fallback;
      if (found === undefined) problems.push(`${formatPath(path)}: environment variable ${varName} is not set`);
      return found ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, problems, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, problems, [...path, k])]));
  }
  return value;
}

/** Validates an already-parsed document; action modules are found relative to `baseDir` (the file's folder). */
export function parseConfig(raw: unknown, source = 'configuration', env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): Config {
  const problems: string[] = [];
  const substituted = substituteEnv(raw ?? {}, env, problems);
  // A missing variable would also fail validation with a confusing echo: report it alone.
  if (problems.length > 0) throw new ConfigError(source, problems);
  const result = configSchema.safeParse(substituted);
  if (!result.success) problems.push(...describeIssues(result.error.issues, configSchema));
  if (problems.length === 0 && result.success) problems.push(...checkReferences(result.data));
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  for (const action of result.data.actions) if (action.module !== undefined) action.module = resolve(baseDir, action.module);
  // Like every other path in the file: relative to the file, not to wherever the command happens to run.
  const sqlite = /^sqlite:(.+)$/.exec(result.data.storage)?.[1];
  if (sqlite !== undefined && sqlite !== ':memory:' && !isAbsolute(sqlite)) result.data.storage = `sqlite:${resolve(baseDir, sqlite)}`;
  const breached = result.data.attack_protection.breached_password_detection;
  if (breached.file !== undefined) breached.file = resolve(baseDir, breached.file);
  return result.data;
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, [`cannot parse: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(raw, file, env, dirname(resolve(file)));
}

/** Unsafe settings are allowed, but said loudly at boot. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const { memory_cost, time_cost } = config.password_hashing;
  if (memory_cost < 19456 || time_cost < 2) {
    warnings.push(`password_hashing is below the OWASP minimum (memory_cost 19456, time_cost 2): stored passwords are cheaper to crack`);
  }
  if (config.issuer === undefined) {
    warnings.push(`issuer is not set: tokens name ${issuerOf(config)} (the address this node listens on); set issuer to the public URL clients and APIs use, the same on every node`);
  }
  const issuer = issuerOf(config);
  if (!issuer.startsWith('https:') && !/^http:\/\/(127\.|localhost|\[::1\])/.test(issuer)) {
    warnings.push(`issuer ${issuer} is not https: credentials would cross the network in clear text (RFC 6749 §1.6)`);
  }
  config.clients.forEach((c, i) => {
    if (c.client_secret !== undefined && c.client_secret.length < 32) {
      warnings.push(`clients[${i}].client_secret is shorter than 32 characters: use a long random secret`);
    }
    if (c.jwks_uri !== undefined && !/^https:|^http:\/\/(127\.|localhost|\[::1\])/.test(c.jwks_uri)) {
      warnings.push(`clients[${i}].jwks_uri is not https: anyone on the path could substitute the client's keys`);
    }
    if (c.trust_forwarded_for && c.token_endpoint_auth_method === 'none') {
      warnings.push(`clients[${i}].trust_forwarded_for is ignored: a public client cannot vouch for its users' IPs`);
    }
  });
  const { brute_force, ip_throttling, rate_limit } = config.attack_protection;
  for (const [name, part] of Object.entries({ brute_force, ip_throttling, rate_limit })) {
    if (!part.enabled) warnings.push(`attack_protection.${name} is disabled: RFC 6749 §4.3.2 requires brute-force protection for the password grant`);
  }
  return warnings;
}
