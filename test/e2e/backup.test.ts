/**
 * Backup and restore as docs/deployment.md tells an operator to do them: `tollgate backup` of a SQLite store while
 * `tollgate serve` runs and writes, `tollgate restore` into a fresh store; pg_dump and pg_restore of a PostgreSQL
 * database into a new one. Each restored store is served, and what was made before the backup still works: a
 * password, a refresh token, an access token's signing key, and a TOTP secret sealed with the MFA key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DatabaseSync } from 'node:sqlite';
import { serve, tollgate, type ServeProcess } from '../helpers/cli.ts';
import { createDatabase, databaseUrl, dropDatabase } from '../helpers/postgres.ts';
import { totpCode } from '../../src/mfa/totp.ts';

const PASSWORD = 'A3ddj3w-correct';
const REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const MFA_OTP = 'http://auth0.com/oauth/grant-type/mfa-otp';
/** Every PostgreSQL test database starts with this, so none is ever another's. */
const RESTORED_PREFIX = 'tollgate_test_restored_';
/** PostgreSQL stores need the MFA keys in the configuration (every node opens the same sealed secrets). */
const MFA_KEYS = 'mfa: { encryption_keys: ["backup-test-key-0123456789-abcdefghijklmnop"] }\n';

function configText(storage: string, extra = ''): string {
  return `issuer: http://tollgate.test
workers: 1
storage: ${storage}
log_level: warn
password_hashing: { memory_cost: 64, time_cost: 1 }
connections:
  - { name: customers }
  - { name: staff, mfa: { policy: always, factors: [otp] } }
clients:
  - { client_id: app, token_endpoint_auth_method: none, grant_types: [password, refresh_token, "${REALM}", "${MFA_OTP}"] }
${extra}`;
}

function writeConfig(storage: (dir: string) => string, extra = ''): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-backup-'));
  const file = join(dir, 'tollgate.yaml');
  writeFileSync(file, configText(storage(dir), extra));
  return { dir, file };
}

/** Creates the store: commands other than migrate and serve never create a SQLite database. */
async function migrate(file: string): Promise<void> {
  const migrated = await tollgate(['migrate', '--config', file]);
  assert.equal(migrated.code, 0, migrated.stderr);
}

async function addUser(file: string, connection: string, username: string): Promise<void> {
  const added = await tollgate(['users', 'add', '--connection', connection, '--username', username, '--password-stdin', '--config', file], PASSWORD);
  assert.equal(added.code, 0, added.stderr);
}

async function post(node: ServeProcess, path: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const json = path.startsWith('/mfa/');
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    body: json ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
  });
  return { status: res.status, body: await res.json() };
}

const token = (node: ServeProcess, form: Record<string, string>) => post(node, '/oauth/token', { client_id: 'app', ...form });
const login = (node: ServeProcess) => token(node, { grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid offline_access' });

async function userinfo(node: ServeProcess, accessToken: string): Promise<number> {
  return (await fetch(`${node.url}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

/** What a store holds before its backup: alice's tokens, and bob's TOTP secret (staff asks for MFA). */
interface Before { refreshToken: string; accessToken: string; totpSecret: string }

async function makeState(node: ServeProcess): Promise<Before> {
  const alice = await login(node);
  assert.equal(alice.status, 200, JSON.stringify(alice.body));
  const bob = await token(node, { grant_type: REALM, realm: 'staff', username: 'bob', password: PASSWORD });
  assert.equal(bob.body.error, 'mfa_required', JSON.stringify(bob.body));
  const enrolled = await post(node, '/mfa/associate', { client_id: 'app', authenticator_types: ['otp'] }, { authorization: `Bearer ${bob.body.mfa_token}` });
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
  const confirmed = await token(node, { grant_type: MFA_OTP, mfa_token: bob.body.mfa_token, otp: totpCode(enrolled.body.secret, Math.floor(Date.now() / 1000)) });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return { refreshToken: alice.body.refresh_token, accessToken: alice.body.access_token, totpSecret: enrolled.body.secret };
}

/** The restored node serves what was made before the backup; returns the refresh token its rotation gave. */
async function assertRestored(node: ServeProcess, before: Before): Promise<string> {
  assert.equal((await login(node)).status, 200, 'alice logs in with her password');
  const refreshed = await token(node, { grant_type: 'refresh_token', refresh_token: before.refreshToken });
  assert.equal(refreshed.status, 200, `the refresh token issued before the backup: ${JSON.stringify(refreshed.body)}`);
  assert.equal(await userinfo(node, before.accessToken), 200, 'an access token signed before the backup verifies: the signing keys came back');
  const bob = await token(node, { grant_type: REALM, realm: 'staff', username: 'bob', password: PASSWORD });
  assert.equal(bob.body.error, 'mfa_required', 'bob is still enrolled');
  // The next step's code: the enrolment used this step's, and that use was backed up too (RFC 6238 §5.2).
  const otp = totpCode(before.totpSecret, Math.floor(Date.now() / 1000) + 30);
  const second = await token(node, { grant_type: MFA_OTP, mfa_token: bob.body.mfa_token, otp });
  assert.equal(second.status, 200, `the TOTP secret opens with the restored MFA key: ${JSON.stringify(second.body)}`);
  return refreshed.body.refresh_token;
}

test('SQLite: tollgate backup while the server runs and writes; tollgate restore into a fresh store; the restored server logs users in', { timeout: 60_000 }, async (t) => {
  const source = writeConfig((dir) => `sqlite:${join(dir, 'db.sqlite')}`);
  await migrate(source.file);
  await addUser(source.file, 'customers', 'alice');
  await addUser(source.file, 'staff', 'bob');
  const running = await serve(source.file);
  t.after(() => running.stop('SIGKILL'));
  const before = await makeState(running);

  // Logins keep writing (events, refresh families) while the copy is made: the backup is online.
  let writing = true;
  const writes = (async () => {
    let count = 0;
    while (writing) count += (await login(running)).status === 200 ? 1 : 0;
    return count;
  })();
  const copy = join(mkdtempSync(join(tmpdir(), 'tollgate-backup-copy-')), 'tollgate.sqlite');
  const backedUp = await tollgate(['backup', copy, '--config', source.file]);
  writing = false;
  assert.equal(backedUp.code, 0, backedUp.stderr);
  assert.ok((await writes) > 0, 'the server served logins during the backup');
  // Rotated after the backup: a token the restored store never issued.
  const rotatedLater = await token(running, { grant_type: 'refresh_token', refresh_token: before.refreshToken });
  assert.equal(rotatedLater.status, 200, JSON.stringify(rotatedLater.body));
  assert.match(backedUp.stdout, /^backed up .* to .*tollgate\.sqlite \(schema version \d+\)$/m);
  assert.equal(statSync(`${copy}.mfa-key`).mode & 0o777, 0o600, 'the MFA key is copied, readable by its owner only');
  assert.ok(!existsSync(`${copy}-wal`), 'the copy is one self-contained file');
  const again = await tollgate(['backup', copy, '--config', source.file]);
  assert.deepEqual([again.code, again.stderr.trim()], [1, `tollgate: ${copy} exists: a backup never replaces a file`]);

  const target = writeConfig((dir) => `sqlite:${join(dir, 'restored.sqlite')}`);
  const restored = await tollgate(['restore', copy, '--config', target.file]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /restored the MFA key to .*restored\.sqlite\.mfa-key/);
  const twice = await tollgate(['restore', copy, '--config', target.file]);
  assert.equal(twice.code, 1, 'a restore never overwrites a store');
  assert.match(twice.stderr, /restored\.sqlite exists: restore into a fresh store/);

  const node = await serve(target.file);
  t.after(() => node.stop('SIGKILL'));
  const successor = await assertRestored(node, before);
  // docs/deployment.md: a token rotated after the backup is refused, and its family revoked as reuse (RFC 6819 §5.2.2.3).
  assert.equal((await token(node, { grant_type: 'refresh_token', refresh_token: rotatedLater.body.refresh_token })).body.error, 'invalid_grant');
  assert.equal((await token(node, { grant_type: 'refresh_token', refresh_token: successor })).body.error, 'invalid_grant', 'the family is revoked');
});

test('SQLite: the backup holds commits still in the WAL, not yet checkpointed into the database file (a file copy would not)', async (t) => {
  const source = writeConfig((dir) => `sqlite:${join(dir, 'db.sqlite')}`);
  await migrate(source.file);
  await addUser(source.file, 'customers', 'alice');
  // A connection that never checkpoints and stays open, as a serving node's may: its commit lives in the -wal file only.
  const live = new DatabaseSync(join(source.dir, 'db.sqlite'));
  t.after(() => live.close());
  live.exec("PRAGMA wal_autocheckpoint = 0; UPDATE users SET name = 'committed in the WAL'");
  const copy = join(source.dir, 'copy.sqlite');
  const backedUp = await tollgate(['backup', copy, '--config', source.file]);
  assert.equal(backedUp.code, 0, backedUp.stderr);
  const restored = new DatabaseSync(copy, { readOnly: true });
  t.after(() => restored.close());
  assert.deepEqual({ ...restored.prepare('SELECT name FROM users').get() }, { name: 'committed in the WAL' });
});

test('SQLite: restore refuses a file that is not a Tollgate database, and writes nothing', async () => {
  const target = writeConfig((dir) => `sqlite:${join(dir, 'restored.sqlite')}`);
  const junk = join(target.dir, 'junk.sqlite');
  writeFileSync(junk, 'not a database at all, just text that is long enough to be read as a header and fail');
  const refused = await tollgate(['restore', junk, '--config', target.file]);
  assert.equal(refused.code, 1, refused.stdout);
  assert.ok(!existsSync(join(target.dir, 'restored.sqlite')), 'no store was created');
  const postgres = writeConfig(() => databaseUrl('nowhere'), MFA_KEYS);
  const usage = await tollgate(['backup', join(target.dir, 'x.sqlite'), '--config', postgres.file]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /for PostgreSQL use pg_dump and pg_restore/);
});

const run = promisify(execFile);

test('PostgreSQL: the documented pg_dump and pg_restore into a new database; a server on it logs users in', { timeout: 60_000 }, async (t) => {
  const database = await createDatabase({ migrated: false });
  const restoredName = `${RESTORED_PREFIX}${database.slice('tollgate_test_'.length)}`;
  t.after(() => Promise.all([dropDatabase(database), dropDatabase(restoredName)]));
  const source = writeConfig(() => databaseUrl(database), MFA_KEYS);
  await addUser(source.file, 'customers', 'alice');
  await addUser(source.file, 'staff', 'bob');
  const running = await serve(source.file);
  t.after(() => running.stop('SIGKILL'));
  const before = await makeState(running);

  // docs/deployment.md: pg_dump's custom format while the nodes run, then pg_restore into an empty database.
  const dump = join(source.dir, 'tollgate.dump');
  await run('pg_dump', ['--format=custom', `--file=${dump}`, databaseUrl(database)]);
  await run('createdb', [`--maintenance-db=${databaseUrl(database)}`, restoredName]);
  await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${databaseUrl(restoredName)}`, dump]);

  const target = writeConfig(() => databaseUrl(restoredName), MFA_KEYS);
  const node = await serve(target.file);
  t.after(() => node.stop('SIGKILL'));
  await assertRestored(node, before);
});
