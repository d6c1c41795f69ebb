/** `tollgate users import` as an operator runs it: a file of Auth0-format users, a report, exit codes, no secret echoed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configFile, tollgate } from '../helpers/cli.ts';

const SECRET_HASH = createHash('sha256').update('s3cret-never-shown').digest('hex');
const PLAIN = 'plain-Password-never-shown';
const BAD_HASH = '$2b$10$NEVERSHOWNnevershownNEVERSHOWNnevershownNEVERSHOWN';

function usersFile(config: string, users: unknown[] | string, name = 'users.json'): string {
  const file = join(dirname(config), name);
  writeFileSync(file, typeof users === 'string' ? users : JSON.stringify(users, null, 2));
  return file;
}

test('users import: imports the valid records, reports each refused one with index, line and reason on stderr, exits 1', async () => {
  const config = configFile();
  const file = usersFile(config, [
    { email: 'ann@example.com', custom_password_hash: { algorithm: 'sha256', hash: { value: SECRET_HASH, encoding: 'hex' } } },
    { email: 'bob@example.com', password_hash: BAD_HASH },
    { email: 'cy@example.com', username: 'cy', password: 'granite-lantern-82' },
    { email: 'dee@example.com', password: PLAIN.slice(0, 5) },
    { email: 'ANN@example.com', custom_password_hash: { algorithm: 'md5', hash: { value: SECRET_HASH, encoding: 'hex' } } },
  ]);
  const run = await tollgate(['users', 'import', file, '--connection', 'customers', '--config', config]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, 'imported 2 of 5 users into customers: 2 created, 0 updated; 3 refused (0 conflicting, 3 invalid)\n');
  assert.deepEqual(run.stderr.trim().split('\n'), [
    `tollgate: ${file}: [1] line 12: password_hash: not a bcrypt hash ($2a$, $2b$ or $2y$, cost 4 to 16, 22 characters of salt and 31 of hash)`,
    `tollgate: ${file}: [3] line 21: password: must be at least 8 characters (password_policy.min_length)`,
    `tollgate: ${file}: [4] line 25: custom_password_hash.algorithm: "md5" is not supported (supported: argon2, bcrypt, pbkdf2, scrypt, sha256, sha512)`,
  ]);
  for (const secret of [SECRET_HASH, BAD_HASH, PLAIN.slice(0, 5), 'granite-lantern-82']) assert.ok(!(run.stdout + run.stderr).includes(secret), secret);
  const list = await tollgate(['users', 'list', '--config', config, '--json']);
  assert.deepEqual(JSON.parse(list.stdout).map((u: { username: string }) => u.username), ['ann@example.com', 'cy']);
  assert.ok(!list.stdout.includes('sha256'), 'the listing shows no hash');
});

test('users import --upsert --json: conflicts become updates; the JSON report; exit 0 when every record went in', async () => {
  const config = configFile();
  const users = [{ email: 'eve@example.com', name: 'Eve', custom_password_hash: { algorithm: 'sha256', hash: { value: SECRET_HASH, encoding: 'hex' } } }];
  const file = usersFile(config, users);
  assert.equal((await tollgate(['users', 'import', file, '--connection', 'customers', '--config', config])).code, 0);
  const again = await tollgate(['users', 'import', file, '--connection', 'customers', '--config', config, '--json']);
  assert.equal(again.code, 1);
  assert.deepEqual(JSON.parse(again.stdout).problems, [{ index: 0, line: 2, kind: 'conflict', reason: 'username "eve@example.com" already exists in connection "customers" (--upsert updates existing users)' }]);
  const upsert = await tollgate(['users', 'import', usersFile(config, [{ ...users[0], name: 'Eve B.' }], 'more.json'), '--connection', 'customers', '--upsert', '--json', '--config', config]);
  assert.equal(upsert.code, 0, upsert.stderr);
  assert.deepEqual(JSON.parse(upsert.stdout), { records: 1, created: 0, updated: 1, passwords_kept: 0, problems: [] });
  assert.equal(JSON.parse((await tollgate(['users', 'list', '--config', config, '--json'])).stdout)[0].name, 'Eve B.');
});

test('users import: a file that is not a JSON array imports nothing and exits 1; usage errors exit 2', async () => {
  const config = configFile();
  const notArray = await tollgate(['users', 'import', usersFile(config, '"a@example.com"'), '--connection', 'customers', '--config', config]);
  assert.equal(notArray.code, 1);
  assert.match(notArray.stderr, /line 1: expected a JSON array of users .* or one JSON object per line \(NDJSON\); nothing was imported\n$/);
  const file = usersFile(config, []);
  assert.equal((await tollgate(['users', 'import', file, '--config', config])).code, 2, 'no --connection');
  assert.equal((await tollgate(['users', 'import', '--connection', 'customers', '--config', config])).code, 2, 'no FILE');
  assert.equal((await tollgate(['users', 'import', file, '--connection', 'nowhere', '--config', config])).code, 2);
  const missing = await tollgate(['users', 'import', join(dirname(config), 'missing.json'), '--connection', 'customers', '--config', config]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*missing\.json/);
  const help = await tollgate(['users', 'import', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Auth0's bulk import format/);
  const empty = await tollgate(['users', 'import', file, '--connection', 'customers', '--config', config]);
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, 'imported 0 of 0 users into customers: 0 created, 0 updated; 0 refused (0 conflicting, 0 invalid)\n');
});
