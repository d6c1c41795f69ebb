import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { verify } from '@node-rs/argon2';
import { configFile, serve, tollgate } from '../helpers/cli.ts';
import { within } from '../helpers/poll.ts';
import { createDatabase, databaseUrl, dropDatabase } from '../helpers/postgres.ts';
import { migrations } from '../../src/storage/sqlite/migrations.ts';

test('tollgate with no command prints usage and exits 2; --help exits 0; an unknown command exits 2', async () => {
  assert.equal((await tollgate([])).code, 2);
  const help = await tollgate(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /serve/);
  assert.equal((await tollgate(['frobnicate'])).code, 2);
});

test('serve: an invalid configuration names each key path and exits 2', async () => {
  const file = configFile(`users:\n  - { connection: customers, username: u, password: p, colour: red }\n`);
  const run = await tollgate(['serve', '--config', file]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /users\[0\]\.colour: unknown key/);
});

test('serve --port 0 prints the listening URL on one line, answers, and exits 0 on SIGTERM', async () => {
  const node = await serve(configFile());
  assert.match(node.output(), /^Tollgate listening on http:\/\/127\.0\.0\.1:\d+ \(config: .*\)$/m);
  const discovery = await (await fetch(`${node.url}/.well-known/openid-configuration`)).json() as { issuer: string };
  assert.equal(discovery.issuer, node.url, 'without a configured issuer, the issuer is where Tollgate listens');
  assert.equal(await node.stop('SIGTERM'), 0);
});

test('serve with shutdown_delay: after SIGTERM /health/ready says draining while requests are still served; a second SIGTERM closes at once', async (t) => {
  const node = await serve(configFile('shutdown_delay: 300\n'));
  t.after(() => node.stop('SIGKILL'));
  const ready = async () => (await fetch(`${node.url}/health/ready`)).status;
  assert.equal(await ready(), 200);
  node.child.kill('SIGTERM');
  await within(5000, 'draining after SIGTERM', async () => (await ready()) === 503);
  const health = await (await fetch(`${node.url}/health/ready`)).json();
  assert.deepEqual(health, { status: 'draining', checks: { store: 'up' } });
  assert.equal((await fetch(`${node.url}/.well-known/openid-configuration`)).status, 200, 'still serving');
  assert.equal(await node.stop('SIGTERM'), 0, node.output());
});

test('users add reads the password from stdin; users list shows the user but never the hash', async () => {
  const file = configFile();
  const add = await tollgate(['users', 'add', '--config', file, '--connection', 'customers', '--username', 'carol', '--email', 'carol@example.com', '--password-stdin'], 'tulip-mosaic-47\n');
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /created user carol in customers/);
  const list = await tollgate(['users', 'list', '--config', file, '--json']);
  assert.equal(list.code, 0);
  const users = JSON.parse(list.stdout) as Record<string, unknown>[];
  assert.equal(users.length, 1);
  assert.equal(users[0]?.username, 'carol');
  assert.ok(!list.stdout.includes('argon2'), 'no password hash in the listing');
  const human = await tollgate(['users', 'list', '--config', file]);
  assert.match(human.stdout, /^connection\tusername\temail\tuser_id\tstatus\ncustomers\tcarol\tcarol@example.com\t[0-9a-f]{32}\t-$/m);
  // --query takes Auth0's search syntax, as the management API's q.
  const found = await tollgate(['users', 'list', '--config', file, '--json', '--query', 'username:car* AND email_verified:false']);
  assert.deepEqual(JSON.parse(found.stdout).map((u: { username: string }) => u.username), ['carol']);
  assert.deepEqual(JSON.parse((await tollgate(['users', 'list', '--config', file, '--json', '--query', 'username:zz*'])).stdout), []);
  const bad = await tollgate(['users', 'list', '--config', file, '--query', 'username:(']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /q: unexpected/);
});

test('users add: a duplicate username exits 1; missing options, no --password-stdin or an unknown connection exit 2', async () => {
  const file = configFile();
  const args = ['users', 'add', '--config', file, '--connection', 'customers', '--username', 'dave', '--password-stdin'];
  assert.equal((await tollgate(args, 'tulip-mosaic-47')).code, 0);
  const dup = await tollgate([...args.slice(0, -3), '--username', 'DAVE', '--password-stdin'], 'granite-lantern-82');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
  assert.equal((await tollgate(['users', 'add', '--config', file, '--username', 'x', '--password-stdin'], 'pw')).code, 2);
  assert.equal((await tollgate(['users', 'add', '--config', file, '--connection', 'customers', '--username', 'x'])).code, 2);
  assert.equal((await tollgate(['users', 'add', '--config', file, '--connection', 'nowhere', '--username', 'x', '--password-stdin'], 'pw')).code, 2);
  assert.equal((await tollgate(['users', 'add', '--config', file, '--connection', 'customers', '--username', 'x', '--password-stdin'], '')).code, 2);
});

test('users add: a password the connection\'s policy refuses exits 1 saying which rule, and creates nobody', async () => {
  const file = configFile('', `[{ name: customers, password_policy: { min_length: 10, strength: good } },
  { name: relaxed, password_policy: { min_length: 4, strength: none, no_personal_info: false } }]`);
  const add = (connection: string, password: string) =>
    tollgate(['users', 'add', '--config', file, '--connection', connection, '--username', 'erin', '--email', 'erin.k@example.com', '--password-stdin'], password);
  for (const [password, rule] of [['short-1', 'min_length'], ['my-erin.k-secret', 'no_personal_info'], ['password1234', 'strength']] as const) {
    const refused = await add('customers', password);
    assert.equal(refused.code, 1, password);
    assert.match(refused.stderr, new RegExp(`^tollgate: password: .* \\(password_policy\\.${rule}\\)\n$`), password);
    assert.ok(!refused.stderr.includes(password), 'the password is not echoed');
  }
  assert.equal(JSON.parse((await tollgate(['users', 'list', '--config', file, '--json'])).stdout).length, 0);
  assert.equal((await add('relaxed', 'erin')).code, 0, 'another connection, another policy');
  assert.equal((await add('customers', 'quartz-umbrella-91')).code, 0);
});

test('hash-password prints an argon2id PHC string that verifies the stdin password', async () => {
  const run = await tollgate(['hash-password', '--config', configFile()], 'hunter2\n');
  assert.equal(run.code, 0, run.stderr);
  const phc = run.stdout.trim();
  assert.match(phc, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
  assert.ok(await verify(phc, 'hunter2'));
  assert.equal((await tollgate(['hash-password', '--bogus'])).code, 2);
});

const appliedAll = () => migrations.map((m) => `applied migration ${m.version} (${m.name})\n`).join('');

test('migrate: with migrations: manual an unmigrated store is refused, naming `tollgate migrate`, which applies them once', async () => {
  const file = configFile('migrations: manual\n');
  const refused = await tollgate(['users', 'list', '--config', file]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /pending migration.*Run "tollgate migrate"/);
  const migrate = await tollgate(['migrate', '--config', file]);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.equal(migrate.stdout, appliedAll());
  assert.equal((await tollgate(['migrate', '--config', file])).stdout, 'schema is up to date\n');
  assert.equal((await tollgate(['users', 'list', '--config', file])).code, 0);
});

test('migrate on PostgreSQL: applies every migration to a fresh database, then has nothing to do', async (t) => {
  const name = await createDatabase({ migrated: false });
  t.after(() => dropDatabase(name));
  const file = configFile();
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^storage: .*$/m, `storage: ${databaseUrl(name)}`));
  const migrate = await tollgate(['migrate', '--config', file]);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.equal(migrate.stdout, appliedAll(), 'the same versions and names as SQLite');
  assert.equal((await tollgate(['migrate', '--config', file])).stdout, 'schema is up to date\n');
});

test('serve: a post-login action module that cannot be loaded is a configuration error, exit 2', async () => {
  const file = configFile(`actions:\n  - { name: roles, module: ./actions/missing.ts }\n`);
  const run = await tollgate(['serve', '--config', file, '--port', '0']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /actions\[0\]\.module: cannot load ".*\/actions\/missing\.ts"/);
});
