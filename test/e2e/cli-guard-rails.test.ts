/**
 * The operator's guard-rails, through the tollgate command: --version everywhere, "did you mean" for mistyped
 * commands, options and configuration keys, plain-words validation (exit 2), SQLite paths relative to the
 * configuration file, no database created by commands other than migrate and serve, a store that cannot be reached
 * named with its host, port, database and cause, and a warning when issuer is not set.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { serve, tollgate, type Run } from '../helpers/cli.ts';

/** tollgate in `cwd`, as an operator in another folder would run it. */
const tollgateIn = (cwd: string, args: string[]): Promise<Run> => tollgate(args, '', { cwd });

function configIn(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-guard-'));
  const file = join(dir, 'tollgate.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('--version on tollgate and on every command; did you mean for commands and options', async () => {
  const runs = await Promise.all([
    tollgate(['--version']), tollgate(['users', '--version']), tollgate(['users', 'list', '--version']), tollgate(['keys', 'rotate', '--version']),
    tollgate(['usres']), tollgate(['users', 'lsit']), tollgate(['users', 'list', '--confg', 'x.yaml']), tollgate(['blocks', 'list', '--conection', 'x']),
  ]);
  for (const run of runs.slice(0, 4)) assert.deepEqual([run.code, run.stdout], [0, 'tollgate 0.1.0\n'], run.stderr);
  const [command, subcommand, option, other] = runs.slice(4);
  assert.equal(command!.code, 2);
  assert.match(command!.stderr, /^tollgate: unknown command "usres" \(did you mean "users"\?\)/);
  assert.equal(subcommand!.code, 2);
  assert.match(subcommand!.stderr, /unknown users command "lsit" \(did you mean "list"\?\)/);
  assert.equal(option!.code, 2);
  assert.match(option!.stderr, /unknown option "--confg" \(did you mean "--config"\?\)/);
  assert.match(other!.stderr, /unknown option "--conection" \(did you mean "--connection"\?\)/);
});

test('configuration: a mistyped key gets a suggestion, zod\'s wording is put in plain words with the key path; exit 2', async () => {
  const { file } = configIn('storag: "sqlite::memory:"\nport: "eighty"\ntokens: { acess_token_ttl: 60 }\nclients: [{ grant_types: [password] }]\n');
  const run = await tollgate(['users', 'list', '--config', file]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^ {2}storag: unknown key \(did you mean "storage"\?\)$/m);
  assert.match(run.stderr, /^ {2}tokens\.acess_token_ttl: unknown key \(did you mean "access_token_ttl"\?\)$/m);
  assert.match(run.stderr, /^ {2}port: must be a number, not a string$/m);
  assert.match(run.stderr, /^ {2}clients\[0\]\.client_id: is required$/m);
  assert.ok(!/expected|received|Invalid input/.test(run.stderr), run.stderr);
});

test('SQLite: a relative path is the configuration file\'s folder, wherever the command runs; only migrate and serve create the database', async () => {
  const { dir, file } = configIn('storage: sqlite:data/tollgate.db\nlog_level: warn\n');
  const elsewhere = mkdtempSync(join(tmpdir(), 'tollgate-cwd-'));
  const refused = await tollgateIn(elsewhere, ['users', 'list', '--config', file]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr.split('\n')[0], `tollgate: no database at ${join(dir, 'data/tollgate.db')} (storage in the configuration, relative to its file): `
    + 'run "tollgate migrate" or "tollgate serve" with this configuration to create it, or correct the path');
  assert.ok(!existsSync(join(dir, 'data/tollgate.db')) && readdirSync(elsewhere).length === 0, 'nothing was created');
  const migrated = await tollgateIn(elsewhere, ['migrate', '--config', file]);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.ok(existsSync(join(dir, 'data/tollgate.db')), 'beside the configuration');
  assert.deepEqual(readdirSync(elsewhere), [], 'not in the working directory');
  const listed = await tollgateIn(elsewhere, ['users', 'list', '--config', file]);
  assert.deepEqual([listed.code, listed.stdout], [0, 'connection\tusername\temail\tuser_id\tstatus\n']);
});

test('PostgreSQL that cannot be reached: the error names the host, port, database and cause', async () => {
  const port = await deadPort();
  const { file } = configIn(`storage: postgres://tollgate:s3cret-pw@127.0.0.1:${port}/tollgate_prod\n`);
  const run = await tollgate(['users', 'list', '--config', file]);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `tollgate: cannot open the store (PostgreSQL at 127.0.0.1:${port}, database "tollgate_prod"): `
    + 'connection refused (is PostgreSQL running and listening there?) [ECONNREFUSED]\n');
  assert.ok(!run.stderr.includes('s3cret-pw'));
});

test('serve without issuer: a warning at start says it is not set and what tokens name instead', async (t) => {
  const { file } = configIn('storage: sqlite:db.sqlite\nlog_level: warn\n');
  const node = await serve(file);
  t.after(() => node.stop());
  const warning = node.output().split('\n').find((line) => line.includes('issuer is not set'));
  assert.ok(warning, node.output());
  assert.match(warning, /"level":"warn"/);
  assert.ok(warning.includes(`tokens name http://127.0.0.1:${node.port}`), warning);
});
