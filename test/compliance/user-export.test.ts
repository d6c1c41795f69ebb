/**
 * Auth0's users-exports job: POST /api/v2/jobs/users-exports answers a completed job whose location serves the file
 * to the creating client only, for an hour; NDJSON and CSV with chosen fields; and the round trip, export then import
 * into a fresh store, keeps the users, their metadata and their blocked state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGEMENT, startManaged, type ManagedTollgate } from '../helpers/management.ts';
import { SECRET } from '../helpers/tollgate.ts';

async function download(tg: ManagedTollgate, location: string, token?: string) {
  const path = new URL(location).pathname.replace(/^\/api\/v2/, '');
  const res = await tg.app.inject({ method: 'GET', url: `/api/v2${path}`, headers: { authorization: `Bearer ${token ?? await tg.managementToken()}` } });
  return { status: res.statusCode, type: res.headers['content-type'], text: res.body };
}

test('an export job is completed at once; its NDJSON has Auth0\'s fields; its location serves the creating client for an hour only', async (t) => {
  const tg = await startManaged(t, (c) => {
    c.clients!.push({ client_id: 'other-ops', client_secret: SECRET, grant_types: ['client_credentials'], api_grants: { [MANAGEMENT]: ['read:users'] } });
  });
  const created = await tg.call('POST', '/jobs/users-exports', { body: { connection_id: 'customers', format: 'json' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual([created.body.type, created.body.status, created.body.connection_id], ['users_export', 'completed', 'customers']);
  assert.deepEqual((await tg.call('GET', `/jobs/${created.body.id}`)).body, created.body, 'GET /jobs/{id} answers it');
  const file = await download(tg, created.body.location);
  assert.deepEqual([file.status, file.type], [200, 'application/x-ndjson']);
  const users = file.text.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(users.map((u) => u.username).sort(), ['alice', 'mallory'], 'only the connection asked for');
  const alice = users.find((u) => u.username === 'alice');
  assert.match(alice.user_id, /^auth0\|[0-9a-f]{32}$/);
  assert.deepEqual(alice.identities, [{ provider: 'auth0', connection: 'customers', user_id: alice.user_id.slice(6), isSocial: false }]);
  assert.ok(!file.text.includes('argon2') && !('password_hash' in alice), 'no password hash is exported');

  const otherToken = (await tg.token({ grant_type: 'client_credentials', audience: MANAGEMENT }, { basic: ['other-ops', SECRET] })).body.access_token;
  assert.equal((await download(tg, created.body.location, otherToken)).status, 404, 'another client cannot download it');
  tg.advance(3600);
  assert.equal((await download(tg, created.body.location)).status, 404, 'expired after an hour');
});

test('CSV with chosen fields and names; a bad field or connection is 400', async (t) => {
  const tg = await startManaged(t, (c) => { c.users![0]!.name = 'Liddell, "Alice"'; });
  const created = await tg.call('POST', '/jobs/users-exports', {
    body: { format: 'csv', connection_id: 'customers', fields: [{ name: 'username' }, { name: 'name', export_as: 'Full name' }, { name: 'blocked' }] },
  });
  const file = await download(tg, created.body.location);
  assert.equal(file.type, 'text/csv; charset=utf-8');
  const [header, ...rows] = file.text.split('\r\n');
  assert.deepEqual([header, ...rows.sort()], ['username,Full name,blocked', '', 'alice,"Liddell, ""Alice""",false', 'mallory,,true']);
  const bad = await tg.call('POST', '/jobs/users-exports', { body: { fields: [{ name: 'password_hash' }] } });
  assert.deepEqual([bad.status, bad.body.errorCode, bad.body.fields[0].field], [400, 'invalid_body', 'fields[0].name']);
  const unknown = await tg.call('POST', '/jobs/users-exports', { body: { connection_id: 'nope' } });
  assert.deepEqual([unknown.status, unknown.body.fields[0].field], [400, 'connection_id']);
});

test('round trip: an export imported into a fresh store keeps users, their ids (auth0|{id}), metadata and blocked state', async (t) => {
  const source = await startManaged(t, (c) => {
    c.users![0]!.app_metadata = { plan: 'gold', seats: 3 };
    c.users![0]!.user_metadata = { theme: 'dark' };
  });
  const job = await source.call('POST', '/jobs/users-exports', { body: { connection_id: 'customers' } });
  const file = await download(source, job.body.location);
  const target = await startManaged(t, (c) => { c.users = []; });
  const imported = await target.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', new Blob([file.text])]]);
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  await target.jobs.idle();
  const done = (await target.call('GET', `/jobs/${imported.body.id}`)).body;
  assert.deepEqual([done.status, done.summary.inserted, done.summary.failed], ['completed', 2, 0], JSON.stringify(done));
  const shape = (u: Record<string, unknown>) => ({ user_id: u.user_id, username: u.username, email: u.email, email_verified: u.email_verified, name: u.name, given_name: u.given_name, blocked: u.blocked, app_metadata: u.app_metadata, user_metadata: u.user_metadata });
  const before = (await source.call('GET', '/users?connection=customers&sort=username:1')).body.map(shape);
  const after = (await target.call('GET', '/users?connection=customers&sort=username:1')).body.map(shape);
  assert.deepEqual(after, before);
});
