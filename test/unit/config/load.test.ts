import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configWarnings, formatPath, loadConfigFile, parseConfig, substituteEnv } from '../../../src/config/load.ts';

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(raw, 'test', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

const client = { client_id: 'web', client_secret: 'x'.repeat(40) };

test('defaults: an empty document is a valid configuration', () => {
  const config = parseConfig({}, 'test', {});
  assert.equal(config.port, 8080);
  assert.equal(config.tokens.signing_alg, 'RS256');
  assert.deepEqual(config.password_hashing, { memory_cost: 19456, time_cost: 2, parallelism: 1 });
  assert.equal(config.connections[0]?.name, 'Username-Password-Authentication');
});

test('storage: sqlite: or a postgres:// URL, with pool, cache and migration settings defaulted', () => {
  const config = parseConfig({ storage: 'postgresql://tollgate@db:5432/tollgate' }, 'test', {});
  assert.deepEqual(config.storage_pool, { max: 10, idle_timeout: 30, connect_timeout: 5 });
  assert.equal(config.storage_cache_ttl, 5000);
  assert.equal(config.migrations, 'auto');
  assert.equal(parseConfig({ storage: 'postgres://db/tollgate', migrations: 'manual' }, 'test', {}).migrations, 'manual');
  assert.match(problemsOf({ storage: 'mysql://db/tollgate' })[0]!, /^storage: must be "sqlite:<path>", "sqlite::memory:" or "postgres:\/\//);
  assert.match(problemsOf({ migrations: 'sometimes' })[0]!, /^migrations: /);
});

test('cache: an optional redis:// or rediss:// URL with an optional /db; the key prefix defaults to "tollgate:"', () => {
  const config = parseConfig({}, 'test', {});
  assert.equal(config.cache, undefined);
  assert.equal(config.cache_prefix, 'tollgate:');
  for (const cache of ['redis://127.0.0.1:6379', 'redis://redis', 'rediss://:secret@redis.internal:6380/2', 'redis://h:6379/']) {
    assert.equal(parseConfig({ cache, cache_prefix: 'tg1:' }, 'test', {}).cache, cache);
  }
  for (const cache of ['http://redis:6379', 'redis:/redis', 'redis://', 'redis://:hunter2@redis:6379/cache', 'redis://redis?db=1', '127.0.0.1:6379']) {
    const [problem] = problemsOf({ cache });
    assert.match(problem!, /^cache: must be "redis:\/\/host:6379"/, cache);
    assert.doesNotMatch(problem!, /hunter2/, 'a password in the URL is not echoed');
  }
  assert.match(problemsOf({ cache_prefix: '' })[0]!, /^cache_prefix: /);
});

test('a problem names its key path: clients[1].grant_types[0]: unknown grant type "pasword"', () => {
  const problems = problemsOf({ clients: [client, { ...client, client_id: 'b', grant_types: ['pasword'] }] });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^clients\[1\]\.grant_types\[0\]: unknown grant type "pasword"/);
});

test('unknown keys, bad types and ranges are all reported at once', () => {
  const problems = problemsOf({ prot: 1, port: 70000, tokens: { signing_alg: 'HS256' } });
  assert.ok(problems.includes('prot: unknown key (did you mean "port"?)'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('port: ')));
  assert.ok(problems.some((p) => p.startsWith('tokens.signing_alg: unknown signing algorithm "HS256"')));
});

test('cross-references: unknown connections and audiences, secrets that do not fit the method', () => {
  const problems = problemsOf({
    connections: [{ name: 'customers' }],
    default_audience: 'https://nowhere',
    clients: [
      { client_id: 'a', token_endpoint_auth_method: 'client_secret_basic' },
      { client_id: 'b', token_endpoint_auth_method: 'none', client_secret: 's'.repeat(40) },
      { ...client, client_id: 'c', connections: ['employees'] },
      { ...client, client_id: 'd', api_grants: { 'https://nowhere': ['x'], 'https://api': ['read', 'write'] } },
    ],
    apis: [{ identifier: 'https://api', scopes: ['read'] }],
    users: [{ connection: 'partners', username: 'u', password: 'p' }, { connection: 'customers', username: 'v' }],
  });
  for (const expected of [
    'default_audience: unknown API "https://nowhere"',
    'clients[0].client_secret: required for token_endpoint_auth_method client_secret_basic',
    'clients[1].client_secret: a public client (token_endpoint_auth_method none) has no secret',
    'clients[2].connections[0]: unknown connection "employees"',
    'users[0].connection: unknown connection "partners"',
    'clients[3].api_grants: unknown API "https://nowhere"',
    'clients[3].api_grants: "https://api" defines no scope "write"',
    'users[1]: give exactly one of password or password_hash',
  ]) assert.ok(problems.includes(expected), `missing "${expected}" in:\n${problems.join('\n')}`);
});

test('duplicate usernames in one connection are refused, case-insensitively', () => {
  const problems = problemsOf({ users: [{ connection: 'Username-Password-Authentication', username: 'Alice', password: 'p' }, { connection: 'Username-Password-Authentication', username: 'alice', password: 'q' }] });
  assert.deepEqual(problems, ['users[1].username: "alice" appears twice in connection "Username-Password-Authentication"']);
});

test('${ENV} and ${ENV:-default} are substituted; an unset variable names its path', () => {
  const problems: string[] = [];
  const out = substituteEnv({ clients: [{ client_secret: '${WEB_SECRET}', name: '${NAME:-Web}' }], port: 1 }, { WEB_SECRET: 's3cret' }, problems);
  assert.deepEqual(out, { clients: [{ client_secret: 's3cret', name: 'Web' }], port: 1 });
  assert.deepEqual(problems, []);
  assert.deepEqual(problemsOf({ clients: [{ client_id: 'web', client_secret: '${MISSING}' }] }), ['clients[0].client_secret: environment variable MISSING is not set']);
});

test('formatPath renders arrays with brackets', () => {
  assert.equal(formatPath(['clients', 1, 'grant_types', 0]), 'clients[1].grant_types[0]');
  assert.equal(formatPath([]), '(root)');
});

test('YAML and JSON files load; an unreadable or unparsable file is a ConfigError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
  writeFileSync(join(dir, 'a.yaml'), 'port: 9000\nhost: 0.0.0.0\n');
  writeFileSync(join(dir, 'a.json'), '{"port": 9001}');
  writeFileSync(join(dir, 'bad.yaml'), 'port: [1,\n');
  assert.equal(loadConfigFile(join(dir, 'a.yaml'), {}).port, 9000);
  assert.equal(loadConfigFile(join(dir, 'a.json'), {}).port, 9001);
  assert.throws(() => loadConfigFile(join(dir, 'bad.yaml'), {}), ConfigError);
  assert.throws(() => loadConfigFile(join(dir, 'missing.yaml'), {}), ConfigError);
});

test('unsafe settings produce boot warnings', () => {
  const warnings = configWarnings(parseConfig({
    issuer: 'http://auth.example.com', password_hashing: { memory_cost: 1024, time_cost: 1 }, clients: [{ client_id: 'w', client_secret: 'short' }],
  }, 'test', {}));
  assert.equal(warnings.length, 3, warnings.join('\n'));
  assert.deepEqual(configWarnings(parseConfig({ issuer: 'https://auth.example.com' }, 'test', {})), []);
  assert.deepEqual(configWarnings(parseConfig({}, 'test', {})),
    ['issuer is not set: tokens name http://127.0.0.1:8080 (the address this node listens on); set issuer to the public URL clients and APIs use, the same on every node']);
});

test('disabled attack protection and an ignored trust_forwarded_for produce boot warnings', () => {
  const warnings = configWarnings(parseConfig({
    issuer: 'https://auth.example.com', attack_protection: { brute_force: { enabled: false }, rate_limit: { enabled: false } },
    clients: [{ client_id: 'm', token_endpoint_auth_method: 'none', grant_types: ['password'], trust_forwarded_for: true }],
  }, 'test', {}));
  assert.deepEqual(warnings.map((w) => w.split(' ')[0]), ['clients[0].trust_forwarded_for', 'attack_protection.brute_force', 'attack_protection.rate_limit']);
});

test('mfa: policy per connection (default never) overridable per client; settings that would strand a login are refused with their path', () => {
  const config = parseConfig({ connections: [{ name: 'c', mfa: { policy: 'if_enrolled' } }], clients: [{ ...client, grant_types: ['password', 'http://auth0.com/oauth/grant-type/mfa-otp'], mfa: { policy: 'always' } }] }, 'test', {});
  assert.deepEqual(config.connections[0]?.mfa, { policy: 'if_enrolled', factors: ['otp', 'recovery-code'] });
  assert.equal(config.clients[0]?.mfa?.policy, 'always');
  assert.equal(parseConfig({}, 'test', {}).connections[0]?.mfa.policy, 'never');
  const strict = { connections: [{ name: 'c', mfa: { policy: 'always', factors: ['otp', 'email'] } }], clients: [client] };
  assert.deepEqual(problemsOf({ ...strict, storage: 'postgres://db/tollgate' }), [
    'mfa.encryption_keys: required with PostgreSQL storage when a connection or client requires MFA (every node must open the same sealed secrets)',
    'connections[0].mfa.factors: email needs mfa.email (how codes are sent)',
    'clients[0].grant_types: MFA may be required (connection "c") but the client has no MFA grant (http://auth0.com/oauth/grant-type/mfa-otp, http://auth0.com/oauth/grant-type/mfa-oob, http://auth0.com/oauth/grant-type/mfa-recovery-code)',
  ]);
  assert.match(problemsOf({ connections: [{ name: 'c', mfa: { policy: 'sometimes' } }] })[0]!, /^connections\[0\]\.mfa\.policy: unknown MFA policy "sometimes"/);
  assert.match(problemsOf({ mfa: { encryption_keys: ['short'] } })[0]!, /^mfa\.encryption_keys\[0\]: must be at least 32 characters/);
});
