/**
 * Importing what Auth0's users-exports job writes: NDJSON, one user per line, with `user_id: "auth0|..."`,
 * `identities` and the export's bookkeeping fields, through the management API's import job. Exported users carry no
 * password (Auth0 exports none): they are created with one nobody knows, and an upsert never puts that over a
 * password the user has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startManaged, type ManagedTollgate } from '../helpers/management.ts';
import { PASSWORD, webClient } from '../helpers/tollgate.ts';

const exported = (username: string, extra: Record<string, unknown> = {}) => ({
  user_id: `auth0|${createHash('sha256').update(username).digest('hex').slice(0, 24)}`, username, email: `${username}@example.com`, email_verified: true,
  name: `${username} Exported`, created_at: '2024-03-01T10:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z', last_login: '2025-06-01T00:00:00.000Z',
  logins_count: 7, identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: 'x', isSocial: false }],
  app_metadata: { plan: 'gold' }, user_metadata: { theme: 'dark' }, blocked: false, ...extra,
});

async function importNdjson(tg: ManagedTollgate, lines: string[], upsert = false) {
  const created = await tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['upsert', String(upsert)], ['users', new Blob([`${lines.join('\n')}\n`])]]);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await tg.jobs.idle();
  return { job: (await tg.call('GET', `/jobs/${created.body.id}`)).body, errors: (await tg.call('GET', `/jobs/${created.body.id}/errors`)).body };
}

test('Auth0 export NDJSON imports: profile, metadata, blocked; auth0| ids and identities accepted; social identities refused per line', async (t) => {
  const tg = await startManaged(t);
  const { job, errors } = await importNdjson(tg, [
    JSON.stringify(exported('ndjson-one')),
    JSON.stringify(exported('ndjson-two', { blocked: true })),
    '',
    JSON.stringify(exported('social', { identities: [{ provider: 'google-oauth2', connection: 'google-oauth2', user_id: '123', isSocial: true }] })),
    '{"broken": ',
  ]);
  assert.deepEqual([job.status, job.summary.inserted, job.summary.failed], ['completed', 2, 2], JSON.stringify(job));
  assert.deepEqual(errors.map((e: { user: { line: number }; errors: { message: string }[] }) => [e.user.line, e.errors[0]!.message.split(':')[0]]), [[4, 'identities'], [5, 'not valid JSON']]);
  const [one] = (await tg.call('GET', '/users-by-email?email=ndjson-one@example.com')).body;
  assert.equal(`auth0|${one.user_id}`, exported('ndjson-one').user_id, 'auth0|{id} keeps {id} as the user\'s id');
  assert.deepEqual([one.name, one.app_metadata, one.user_metadata, one.blocked, one.email_verified], ['ndjson-one Exported', { plan: 'gold' }, { theme: 'dark' }, false, true]);
  assert.equal((await tg.call('GET', '/users-by-email?email=ndjson-two@example.com')).body[0].blocked, true);
  // No password came with it: nobody can log in until an administrator sets one.
  const login = (password: string) => tg.token({ grant_type: 'password', username: 'ndjson-one', password }, { basic: webClient });
  assert.equal((await login(PASSWORD)).body.error, 'invalid_grant');
  assert.equal((await tg.call('PATCH', `/users/${one.user_id}`, { body: { password: 'tulip-mosaic-47-river' } })).status, 200);
  assert.equal((await login('tulip-mosaic-47-river')).status, 200);
});

test('an upsert of an exported (password-less) record keeps the password the user has, even an imported hash not used yet', async (t) => {
  const tg = await startManaged(t);
  // A salted SHA-256 from another system: a foreign hash, which an upsert carrying a password would replace.
  const custom_password_hash = { algorithm: 'sha256', hash: { value: createHash('sha256').update('pepper:tulip-mosaic-47-river').digest('hex'), encoding: 'hex' }, salt: { value: 'pepper:' } };
  await importNdjson(tg, [JSON.stringify({ ...exported('keeper'), custom_password_hash, identities: undefined })]);
  const { job } = await importNdjson(tg, [JSON.stringify(exported('keeper', { name: 'Renamed' }))], true);
  assert.deepEqual([job.summary.updated, job.summary.passwords_kept], [1, 1], JSON.stringify(job.summary));
  assert.equal((await tg.call('GET', '/users-by-email?email=keeper@example.com')).body[0].name, 'Renamed');
  assert.equal((await tg.token({ grant_type: 'password', username: 'keeper', password: 'tulip-mosaic-47-river' }, { basic: webClient })).status, 200);
});

test('an auth0| id already taken by another user is a conflict for that record, on its own', async (t) => {
  const tg = await startManaged(t);
  await importNdjson(tg, [JSON.stringify(exported('first'))]);
  const { job, errors } = await importNdjson(tg, [JSON.stringify({ ...exported('second'), user_id: exported('first').user_id }), JSON.stringify(exported('third'))]);
  assert.deepEqual([job.summary.inserted, job.summary.failed], [1, 1], JSON.stringify(job.summary));
  assert.match(errors[0].errors[0].message, /or the id "[0-9a-f]{24}"/);
  assert.equal((await tg.call('GET', '/users-by-email?email=second@example.com')).body.length, 0);
});
