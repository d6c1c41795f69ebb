/**
 * Lazy migration, black-box over HTTP: a user imported with another system's hash logs in at /oauth/token with the
 * old password; that first success replaces the hash with argon2id; the old password keeps working and a wrong one
 * never does. Every login of such a user costs at least what an unknown user's does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, pbkdf2Sync } from 'node:crypto';
import bcryptjs from 'bcryptjs';

const bcryptHash = (password: string, cost: number) => bcryptjs.hash(password, cost);
import { importAuth0Users } from '../../src/accounts/import/import-users.ts';
import { policyChecks } from '../../src/accounts/password-policy.ts';
import { passwordPolicySchema } from '../../src/config/schema.ts';
import { NOW, REALM_GRANT, start, verificationsSpentBy, webClient, type TestTollgate } from '../helpers/tollgate.ts';

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** One imported user per algorithm: its email, the password its hash was made from, and the custom_password_hash. */
async function legacyUsers() {
  const salt = Buffer.from('salt-0123456789');
  return [
    ['bcrypt@example.com', 'hello', { algorithm: 'bcrypt', hash: { value: '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K' } }],
    ['bcrypt-2y@example.com', 'php-password', { algorithm: 'bcrypt', hash: { value: (await bcryptHash('php-password', 4)).replace('$2b$', '$2y$') } }],
    ['argon2i@example.com', 'password', { algorithm: 'argon2', hash: { value: '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG' } }],
    ['pbkdf2@example.com', 'django-days', { algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha256$i=1000,l=32$${b64(salt)}$${b64(pbkdf2Sync('django-days', salt, 1000, 32, 'sha256'))}` } }],
    ['pbkdf2-512@example.com', 'password', { algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha512$i=1,l=64$${b64(Buffer.from('salt'))}$${b64(Buffer.from('867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce', 'hex'))}` } }],
    ['scrypt@example.com', 'password', { algorithm: 'scrypt', hash: { value: '097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29', encoding: 'hex' }, salt: { value: 'abc123' }, keylen: 32, cost: 4096 }],
    ['sha256@example.com', 'legacy-256', { algorithm: 'sha256', hash: { value: createHash('sha256').update('pepper:legacy-256').digest('hex'), encoding: 'hex' }, salt: { value: 'pepper:', position: 'prefix' } }],
    ['sha512@example.com', 'legacy-512', { algorithm: 'sha512', hash: { value: createHash('sha512').update('legacy-512:c2FsdA').digest('base64'), encoding: 'base64' }, salt: { value: ':c2FsdA', position: 'suffix' } }],
  ] as const;
}

async function importInto(tg: TestTollgate, users: readonly (readonly [string, string, object])[]) {
  const records = users.map(([email, , custom_password_hash]) => ({ email, email_verified: true, name: email.split('@')[0], custom_password_hash }));
  const report = await importAuth0Users(JSON.stringify(records), { connection: 'customers', upsert: false, policy: passwordPolicySchema.parse({}), now: NOW },
    { store: tg.store, hasher: tg.hasher, checks: policyChecks(tg.hasher) });
  assert.deepEqual(report.problems, []);
}

const login = (tg: TestTollgate, username: string, password: string) => tg.token({ grant_type: 'password', username, password, scope: 'openid email' }, { basic: webClient });

test('an imported user logs in with the old password; the first success stores argon2id; old password still works, a wrong one never', async (t) => {
  const tg = await start(t);
  const users = await legacyUsers();
  await importInto(tg, users);
  for (const [email, password] of users) {
    const imported = (await tg.store.users.findUserByLogin('customers', email))!.password_hash;
    assert.doesNotMatch(imported, /^\$argon2id\$v=19\$m=64,/, email);

    const wrong = await login(tg, email, `${password}-wrong`);
    assert.equal(wrong.status, 400, email);
    assert.equal(wrong.body.error, 'invalid_grant');
    assert.equal((await tg.store.users.findUserByLogin('customers', email))!.password_hash, imported, 'a failed login changes nothing');

    const first = await login(tg, email, password);
    assert.equal(first.status, 200, `${email}: ${JSON.stringify(first.body)}`);
    assert.equal(first.body.token_type, 'Bearer');
    const upgraded = (await tg.store.users.findUserByLogin('customers', email))!.password_hash;
    assert.match(upgraded, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/, `${email} is upgraded to the configured argon2id`);

    assert.equal((await login(tg, email, password)).status, 200, `${email}: the old password still works`);
    assert.equal((await tg.store.users.findUserByLogin('customers', email))!.password_hash, upgraded, 'upgraded once');
    assert.equal((await login(tg, email, `${password}-wrong`)).status, 400);
    assert.equal((await login(tg, email, password.toUpperCase())).status, 400);
  }
});

test('the password-realm grant logs an imported user in the same way', async (t) => {
  const tg = await start(t);
  const [bcrypt] = await legacyUsers();
  await importInto(tg, [bcrypt]);
  const res = await tg.token({ grant_type: REALM_GRANT, client_id: 'mobile', realm: 'customers', username: bcrypt[0], password: bcrypt[1] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match((await tg.store.users.findUserByLogin('customers', bcrypt[0]))!.password_hash, /^\$argon2id\$/);
});

test('equal cost: before the upgrade a login also spends the decoy verification an unknown user costs; after it, one', async (t) => {
  const tg = await start(t);
  const users = await legacyUsers();
  await importInto(tg, users);
  assert.equal(await verificationsSpentBy(tg, () => login(tg, 'nobody@example.com', 'whatever')), 1, 'unknown user');
  for (const [email, password] of users) {
    assert.equal(await verificationsSpentBy(tg, () => login(tg, email, 'wrong-password')), 2, `${email}: its own hash and the decoy`);
    assert.equal(await verificationsSpentBy(tg, () => login(tg, email, password)), 2);
    assert.equal(await verificationsSpentBy(tg, () => login(tg, email, 'wrong-password')), 1, `${email}: argon2id from now on`);
  }
});

test('neither an imported hash nor a password reaches the logs', async (t) => {
  const tg = await start(t);
  const users = await legacyUsers();
  await importInto(tg, users);
  const secrets: string[] = [];
  for (const [email, password] of users) {
    secrets.push(password, (await tg.store.users.findUserByLogin('customers', email))!.password_hash);
    await login(tg, email, `${password}-wrong`);
    await login(tg, email, password);
    secrets.push((await tg.store.users.findUserByLogin('customers', email))!.password_hash);
  }
  assert.ok(tg.logs.some((line) => line.includes('"type":"login.success"')));
  // "password" and "hello" are also ordinary words; the distinctive ones are what must never appear.
  for (const secret of secrets.filter((s) => s.length > 8)) {
    assert.ok(!tg.logs.some((line) => line.includes(secret)), `${secret} was logged`);
  }
});
