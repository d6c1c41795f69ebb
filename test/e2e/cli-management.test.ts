/** `tollgate users|clients|connections|apis`: the management operations from the command line, on a SQLite file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '@node-rs/argon2';
import { Writable } from 'node:stream';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { createServer } from '../../src/server.ts';
import { configFile, databaseOf, tollgate } from '../helpers/cli.ts';

/** Reads the store the way the nodes do, after the commands ran. */
async function inStore<T>(file: string, read: (store: ReturnType<typeof openSqlite>) => Promise<T>): Promise<T> {
  const store = openSqlite(`sqlite:${databaseOf(file)}`);
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

async function ok(args: string[], stdin = ''): Promise<string> {
  const run = await tollgate(args, stdin);
  assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

test('users: add, list, show, update, block, unblock, set-password and delete, each a recorded change; --json on request', async () => {
  const file = configFile();
  const at = ['--config', file];
  assert.match(await ok(['users', 'add', ...at, '--connection', 'customers', '--username', 'carol', '--email', 'carol@example.com', '--password-stdin'], 'cobalt-Harbor-55'), /^created user carol in customers \(sub [0-9a-f]{32}\)\n$/);
  const [listed] = JSON.parse(await ok(['users', 'list', ...at, '--email', 'CAROL@example.com', '--json'])) as { user_id: string }[];
  const id = listed!.user_id;
  assert.match(await ok(['users', 'show', 'customers/carol', ...at]), new RegExp(`^customers/carol \\(user_id ${id}\\)\\n  email: carol@example.com\\n  email_verified: false\\n  blocked: false\\n.*  created_at: \\d{4}-\\d\\d-\\d\\dT`, 's'));
  assert.deepEqual(JSON.parse(await ok(['users', 'show', id, ...at, '--json'])).username, 'carol', 'by id too');

  const updated = JSON.parse(await ok(['users', 'update', 'customers/carol', ...at, '--name', 'Carol', '--email', '', '--email-verified', 'true', '--app-metadata', '{"plan":"pro"}', '--json']));
  assert.deepEqual([updated.name, updated.email, updated.email_verified, updated.app_metadata], ['Carol', null, true, { plan: 'pro' }]);
  const bad = await tollgate(['users', 'update', 'customers/carol', ...at, '--picture', 'ftp://x']);
  assert.deepEqual([bad.code, bad.stderr], [2, 'tollgate: picture: must be an http(s) URL\n']);

  assert.match(await ok(['users', 'block', 'customers/carol', ...at]), /^blocked customers\/carol/);
  assert.equal(await inStore(file, async (s) => (await s.users.getUser(id))?.blocked), true);
  await inStore(file, (s) => s.attempts.addLoginFailure({ connection: 'customers', username: 'carol', ip: '203.0.113.5' }, Math.floor(Date.now() / 1000), 1, null));
  assert.equal(await ok(['users', 'unblock', 'customers/carol', ...at]), 'unblocked customers/carol and cleared 1 brute-force counter\n');
  assert.equal(await inStore(file, async (s) => (await s.users.getUser(id))?.blocked), false);

  assert.match(await ok(['users', 'set-password', 'customers/carol', ...at, '--password-stdin'], 'maple-Orbit-38\n'), /changed the password of customers\/carol: their refresh tokens revoked/);
  assert.ok(await verify(await inStore(file, async (s) => (await s.users.getUser(id))!.password_hash), 'maple-Orbit-38'));
  await inStore(file, (s) => s.mfa.addAuthenticator({
    id: 'totp|dev_1', user_id: id, type: 'otp', oob_channel: null, address: null, secret: 'sealed', created_at: 0, activated_at: 0,
  }));
  assert.equal(await ok(['users', 'reset-mfa', 'customers/carol', ...at]), 'removed 1 MFA authenticator of customers/carol\n');
  assert.deepEqual(await inStore(file, (s) => s.mfa.listAuthenticators(id)), []);
  assert.equal(await ok(['users', 'delete', 'customers/carol', ...at]), `deleted customers/carol (sub ${id}) and revoked their refresh tokens\n`);
  const gone = await tollgate(['users', 'show', 'customers/carol', ...at]);
  assert.deepEqual([gone.code, gone.stderr], [1, "tollgate: No user 'customers/carol'.\n"]);

  const events = JSON.parse(await ok(['logs', ...at, '--json'])) as { type: string; client_id: string | null }[];
  assert.deepEqual(events.filter((e) => e.type.startsWith('user.')).map((e) => e.type).reverse(), [
    'user.created', 'user.updated', 'user.updated', 'user.updated', 'user.password_changed', 'user.deleted',
  ]);
  assert.ok(events.every((e) => e.client_id === null), 'changes from the CLI name no client');
});

test('users: a missing USER, no --password-stdin, an empty password or nothing to change exit 2; an unknown user exits 1', async () => {
  const file = configFile();
  const runs = await Promise.all([
    tollgate(['users', 'show', '--config', file]),
    tollgate(['users', 'set-password', 'customers/nobody', '--config', file]),
    tollgate(['users', 'add', '--config', file, '--connection', 'customers', '--username', 'x', '--password-stdin'], ''),
    tollgate(['users', 'update', 'customers/nobody', '--config', file]),
    tollgate(['users', 'update', 'customers/nobody', '--config', file, '--user-metadata', '{nope']),
    tollgate(['users', 'delete', 'customers/nobody', '--config', file]),
  ]);
  assert.deepEqual(runs.map((r) => r.code), [2, 2, 2, 2, 2, 1], runs.map((r) => r.stderr).join(''));
  assert.match(runs[0]!.stderr, /USER \(a user id or CONNECTION\/USERNAME\) is required/);
});

test('clients: add prints a generated secret once; list shows who manages each; rotate-secret replaces it; the file\'s are read-only', async () => {
  const file = configFile();
  const at = ['--config', file];
  const added = await ok(['clients', 'add', ...at, '--client-id', 'job', '--grant-types', 'client_credentials,password', '--connections', 'customers',
    '--allowed-origins', 'https://app.example.com,http://localhost:5173']);
  const secret = /^client_secret: ([\w-]{43})$/m.exec(added)?.[1];
  assert.ok(secret, added);
  assert.match(added, /^created client job \(client_secret_basic, client_credentials, password\)\n/);
  const stored = await inStore(file, async (s) => (await s.clients.getClient('job'))!.secret_hash);
  assert.match(stored!, /^sha256:/);
  assert.deepEqual(await inStore(file, async (s) => (await s.clients.getClient('job'))!.allowed_origins), ['https://app.example.com', 'http://localhost:5173']);
  assert.equal(await ok(['clients', 'list', ...at]), 'client_id\tauth_method\tgrant_types\tmanaged_by\napp\tnone\tpassword\tconfig\njob\tclient_secret_basic\tclient_credentials,password\tapi\n');
  assert.ok(!(await ok(['clients', 'list', ...at, '--json'])).includes(secret!), 'never shown again');

  const rotated = JSON.parse(await ok(['clients', 'rotate-secret', 'job', ...at, '--json']));
  assert.notEqual(rotated.client_secret, secret);
  assert.notEqual(await inStore(file, async (s) => (await s.clients.getClient('job'))!.secret_hash), stored);
  const [fileOwned, badGrant, badApi] = await Promise.all([
    tollgate(['clients', 'rotate-secret', 'app', ...at]),
    tollgate(['clients', 'add', ...at, '--grant-types', 'pasword']),
    tollgate(['clients', 'add', ...at, '--api-grant', 'no-equals-sign']),
  ]);
  assert.deepEqual([fileOwned.code, badGrant.code, badApi.code], [1, 2, 2]);
  assert.match(fileOwned.stderr, /client 'app' is managed by the configuration file/);
  assert.match(badGrant.stderr, /^tollgate: grant_types\[0\]: unknown grant type "pasword"/);
  assert.equal(await ok(['clients', 'delete', 'job', ...at]), 'deleted client job\n');
});

test('connections and apis: add, list and delete; what users or clients still need stays', async () => {
  const file = configFile();
  const at = ['--config', file];
  assert.equal(await ok(['connections', 'add', 'partners', ...at, '--display-name', 'Partners', '--public']), 'created connection partners (MFA never)\n');
  assert.equal(await ok(['connections', 'list', ...at]), 'name\tdisplay_name\tpublic\tmfa_policy\tmanaged_by\ncustomers\t-\t-\tnever\tconfig\nemployees\t-\t-\tnever\tconfig\npartners\tPartners\tpublic\tnever\tapi\n');
  await ok(['users', 'add', ...at, '--connection', 'partners', '--username', 'pat', '--password-stdin'], 'velvet-Canyon-64');
  const held = await tollgate(['connections', 'delete', 'partners', ...at]);
  assert.deepEqual([held.code, held.stderr], [1, "tollgate: The connection 'partners' still has 1 user: delete them first.\n"]);
  await ok(['users', 'delete', 'partners/pat', ...at]);
  assert.equal(await ok(['connections', 'delete', 'partners', ...at]), 'deleted connection partners\n');

  assert.equal(await ok(['apis', 'add', 'https://billing.example.com', ...at, '--scopes', 'pay,refund', '--access-token-ttl', '120']), 'created API https://billing.example.com with scopes pay refund\n');
  await ok(['clients', 'add', ...at, '--client-id', 'billing', '--grant-types', 'client_credentials', '--api-grant', 'https://billing.example.com=pay']);
  assert.match(await ok(['apis', 'list', ...at]), /^identifier\tscopes\tmanaged_by\n(.*\n)*https:\/\/billing\.example\.com\tpay refund\tapi$/m);
  assert.match((await tollgate(['apis', 'delete', 'https://billing.example.com', ...at])).stderr, /used by the client 'billing'/);
  const own = await tollgate(['apis', 'delete', 'http://127.0.0.1:8080/api/v2/', ...at]);
  assert.match(own.stderr, /managed by the configuration file/, 'the management API is Tollgate\'s own');
  assert.equal((await tollgate(['apis', 'add', 'https://x', ...at, '--access-token-ttl', 'soon'])).code, 2);
});

test('a running node serves what the CLI creates without a restart (storage_cache_ttl 0): a new public client logs in a new user', async (t) => {
  const file = configFile('storage_cache_ttl: 0\n');
  const config = loadConfigFile(file, {});
  const node = await createServer(config, { logStream: new Writable({ write: (_chunk, _enc, done) => done() }) });
  t.after(() => node.close());
  await ok(['users', 'add', '--config', file, '--connection', 'customers', '--username', 'quinn', '--password-stdin'], 'quartz-Umbrella-91');
  await ok(['clients', 'add', '--config', file, '--client-id', 'kiosk', '--auth-method', 'none', '--grant-types', 'password']);
  const res = await node.app.inject({
    method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=password&client_id=kiosk&username=quinn&password=quartz-Umbrella-91',
  });
  assert.equal(res.statusCode, 200, res.body);
});
