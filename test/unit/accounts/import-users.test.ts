import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ImportFileError, importAuth0Users, type ImportOptions } from '../../../src/accounts/import/import-users.ts';
import { argon2Hasher } from '../../../src/accounts/passwords.ts';
import { passwordPolicySchema } from '../../../src/config/schema.ts';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';

const T = 1_767_225_600;
const hasher = argon2Hasher({ memory_cost: 64, time_cost: 1, parallelism: 1 });
const sha256 = (password: string) => ({ algorithm: 'sha256', hash: { value: createHash('sha256').update(password).digest('hex'), encoding: 'hex' } });
const options = (overrides: Partial<ImportOptions> = {}): ImportOptions => ({ connection: 'customers', upsert: false, policy: passwordPolicySchema.parse({}), now: T, ...overrides });

async function setUp(t: { after(fn: () => void): void }) {
  const store = openSqlite('sqlite::memory:');
  t.after(() => store.close());
  const deps = { store, hasher, checks: { verify: hasher.verify, score: async () => 4 } };
  const run = (users: unknown[] | string, overrides?: Partial<ImportOptions>) =>
    importAuth0Users(typeof users === 'string' ? users : JSON.stringify(users, null, 1), options(overrides), deps);
  return { store, run };
}

test('valid records become users of the connection: profile, metadata, username defaulting to the email, hash as imported', async (t) => {
  const { store, run } = await setUp(t);
  const report = await run([
    { email: 'Ann@Example.com', email_verified: true, given_name: 'Ann', family_name: 'Lee', name: 'Ann Lee', nickname: 'al', picture: 'https://example.com/a.png',
      user_id: 'auth0|123', blocked: false, app_metadata: { roles: ['admin'] }, user_metadata: { theme: 'light' }, custom_password_hash: sha256('ann-old') },
    { username: 'bob', password_hash: '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K', blocked: true },
  ]);
  assert.deepEqual(report, { records: 2, created: 2, updated: 0, passwords_kept: 0, problems: [] });
  const ann = await store.users.findUserByLogin('customers', 'ann@example.com');
  assert.deepEqual({ ...ann, id: 'x' }, {
    id: 'x', connection: 'customers', username: 'Ann@Example.com', email: 'Ann@Example.com', email_verified: true, given_name: 'Ann', family_name: 'Lee',
    name: 'Ann Lee', nickname: 'al', picture: 'https://example.com/a.png', blocked: false, app_metadata: { roles: ['admin'] }, user_metadata: { theme: 'light' },
    password_hash: `$sha256$pos=prefix$$${createHash('sha256').update('ann-old').digest('base64').replace(/=+$/, '')}`, created_at: T, updated_at: T,
    password_leaked_at: null,
  });
  const bob = await store.users.findUserByLogin('customers', 'bob');
  assert.equal(bob?.password_hash, '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K');
  assert.equal(bob?.blocked, true);
  assert.equal(bob?.email, null);
});

test('a bad record is reported with its index, line and reason, and the others are imported', async (t) => {
  const { store, run } = await setUp(t);
  const text = `[
  {"email": "ok1@example.com", "custom_password_hash": ${JSON.stringify(sha256('x'))}},
  {"email": "not-an-email", "custom_password_hash": ${JSON.stringify(sha256('x'))}},
  {"email": "two@example.com"},
  {"email": "three@example.com", "password": "long-enough-1", "custom_password_hash": ${JSON.stringify(sha256('x'))}},
  {"email": "four@example.com", "custom_password_hash": {"algorithm": "md5", "hash": {"value": "00", "encoding": "hex"}}},
  {"email": "five@example.com", "password_hash": "$2b$99$nope"},
  {"email": "six@example.com", "custom_password_hash": ${JSON.stringify(sha256('x'))}, "colour": "red", "mfa_factors": []},
  {"email": "seven@example.com",
   "password": "secret" "oops"},
  17,
  {"username": "", "custom_password_hash": ${JSON.stringify(sha256('x'))}},
  {"email": "eight@example.com", "mfa_factors": [{"totp": {"secret": "JBTWY3DPEHPK3PNP"}}], "password": "long-enough-1"},
  {"email": "nine@example.com", "custom_password_hash": {"algorithm": "sha512", "hash": {"value": "zz", "encoding": "hex"}}},
  {"email": "ok2@example.com", "custom_password_hash": ${JSON.stringify(sha256('y'))}}
]`;
  const report = await run(text);
  assert.equal(report.created, 2);
  assert.deepEqual(report.problems.map(({ index, line, kind, reason }) => [index, line, kind, reason]), [
    [1, 3, 'invalid', 'email: Invalid email address'],
    [2, 4, 'invalid', 'password_hash, custom_password_hash or password: a password is required'],
    [3, 5, 'invalid', 'password, custom_password_hash: give only one'],
    [4, 6, 'invalid', 'custom_password_hash.algorithm: "md5" is not supported (supported: argon2, bcrypt, pbkdf2, scrypt, sha256, sha512)'],
    [5, 7, 'invalid', 'password_hash: not a bcrypt hash ($2a$, $2b$ or $2y$, cost 4 to 16, 22 characters of salt and 31 of hash)'],
    [6, 8, 'invalid', 'colour: unknown key'],
    [7, 9, 'invalid', 'not valid JSON (near line 10)'],
    [8, 11, 'invalid', 'not a JSON object'],
    [9, 12, 'invalid', 'username: must not be empty'],
    [10, 13, 'invalid', 'mfa_factors: MFA enrollments are not imported'],
    [11, 14, 'invalid', 'custom_password_hash.hash.value: not valid hex'],
  ]);
  assert.deepEqual((await store.users.listUsers({ limit: 10, offset: 0 })).map((u) => u.username), ['ok1@example.com', 'ok2@example.com']);
});

test('plain passwords meet the connection\'s policy (with the record\'s own username and email) and are hashed with argon2id', async (t) => {
  const { store, run } = await setUp(t);
  const report = await run([
    { email: 'p1@example.com', password: 'granite-lantern-82' },
    { email: 'p2@example.com', password: 'short' },
    { username: 'quentin', email: 'q@example.com', password: 'quentin-rocks-99' },
  ]);
  assert.deepEqual(report.problems.map((p) => [p.index, p.reason]), [
    [1, 'password: must be at least 8 characters (password_policy.min_length)'],
    [2, 'password: must not contain the username or email address (password_policy.no_personal_info)'],
  ]);
  const stored = (await store.users.findUserByLogin('customers', 'p1@example.com'))!.password_hash;
  assert.match(stored, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
  assert.equal(await hasher.verify(stored, 'granite-lantern-82'), true);
});

test('conflicts: a taken username or email, in the store or earlier in the file, is reported and the rest imported', async (t) => {
  const { run } = await setUp(t);
  await run([{ email: 'taken@example.com', custom_password_hash: sha256('a') }]);
  const report = await run([
    { email: 'TAKEN@example.com', custom_password_hash: sha256('b') },
    { username: 'new', email: 'taken@example.com', custom_password_hash: sha256('b') },
    { username: 'new', custom_password_hash: sha256('b') },
    { username: 'NEW', custom_password_hash: sha256('b') },
  ]);
  assert.equal(report.created, 1);
  assert.deepEqual(report.problems.map((p) => [p.index, p.kind, p.reason]), [
    [0, 'conflict', 'username "TAKEN@example.com" already exists in connection "customers" (--upsert updates existing users)'],
    [1, 'conflict', 'username "new" or email "taken@example.com" already exists in connection "customers" (--upsert updates existing users)'],
    [3, 'conflict', 'username "NEW" already exists in connection "customers" (--upsert updates existing users)'],
  ]);
});

test('upsert: the profile is replaced; the password too while it is still an imported hash, never once it is Tollgate\'s own', async (t) => {
  const { store, run } = await setUp(t);
  await run([{ email: 'never@example.com', custom_password_hash: sha256('first') }, { email: 'active@example.com', custom_password_hash: sha256('first') }]);
  // `active` logged in since: the login replaced the imported hash with argon2id.
  const active = (await store.users.findUserByLogin('customers', 'active@example.com'))!;
  await store.users.replacePasswordHash(active.id, active.password_hash, await hasher.hash('first'), T);
  const report = await run([
    { email: 'never@example.com', name: 'Never', custom_password_hash: sha256('second') },
    { email: 'active@example.com', name: 'Active', custom_password_hash: sha256('second') },
    { email: 'fresh@example.com', custom_password_hash: sha256('second') },
  ], { upsert: true, now: T + 60 });
  assert.deepEqual(report, { records: 3, created: 1, updated: 2, passwords_kept: 1, problems: [] });
  const never = (await store.users.findUserByLogin('customers', 'never@example.com'))!;
  assert.equal(never.name, 'Never');
  assert.equal(await hasher.verify(never.password_hash, 'second'), true, 'an imported hash nobody used is replaced');
  const after = (await store.users.findUserByLogin('customers', 'active@example.com'))!;
  assert.equal(after.name, 'Active');
  assert.equal(await hasher.verify(after.password_hash, 'first'), true, 'a password in use is never replaced by an import');
  assert.equal(after.updated_at, T + 60);
});

test('more records than one batch: every record is reported or imported, indexes and lines counted across batches', async (t) => {
  const { store, run } = await setUp(t);
  const users = Array.from({ length: 2_345 }, (_, i) => ({ email: `u${i}@example.com`, custom_password_hash: sha256(`p${i}`) }));
  users[1_500] = { email: `u1@example.com`, custom_password_hash: sha256('dup') };
  const report = await run(users.map((u) => JSON.stringify(u)).join(',\n').replace(/^/, '[\n').concat('\n]'));
  assert.equal(report.created, 2_344);
  assert.deepEqual(report.problems.map((p) => [p.index, p.line, p.kind]), [[1_500, 1_502, 'conflict']]);
  assert.equal((await store.users.listUsers({ limit: 10_000, offset: 0 })).length, 2_344);
});

test('a file that is not a JSON array imports nothing', async (t) => {
  const { store, run } = await setUp(t);
  await assert.rejects(run('"a@example.com"'), ImportFileError);
  await assert.rejects(run(`[${JSON.stringify({ email: 'a@example.com', custom_password_hash: sha256('x') })}`), ImportFileError);
  assert.equal((await store.users.listUsers({ limit: 10, offset: 0 })).length, 0);
});
