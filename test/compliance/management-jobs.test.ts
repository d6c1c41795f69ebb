/**
 * The user import job, black-box over HTTP: POST /api/v2/jobs/users-imports (Auth0's multipart upload), then
 * GET /jobs/{id} and /jobs/{id}/errors. The job runs in the background; tests wait for it with `jobs.idle()`, the
 * node's own hook, never with a sleep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { housekeep } from '../../src/housekeeping.ts';
import { INTERRUPTED, MAX_JOB_ERRORS, STALE_AFTER } from '../../src/management/import-jobs.ts';
import type { JobRecord } from '../../src/model/jobs.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { managed, startManaged, withOps, type ManagedTollgate } from '../helpers/management.ts';
import { NOW, PASSWORD, start, startTollgate, webClient, type TestTollgate } from '../helpers/tollgate.ts';

/** A salted SHA-256 of `password`, as Auth0's custom_password_hash gives it. */
function sha256Hash(password: string) {
  return { algorithm: 'sha256', hash: { value: createHash('sha256').update(`pepper:${password}`).digest('hex'), encoding: 'hex' }, salt: { value: 'pepper:' } };
}

/** A JSON array with one record per line, so record i starts on line i + 2. */
const fileOf = (records: unknown[]) => `[\n${records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join(',\n')}\n]`;
const file = (records: unknown[]) => new Blob([fileOf(records)], { type: 'application/json' });

/** `count` cheap records (a salted SHA-256 each), to keep a job busy for several batches of 1,000. */
const many = (count: number, prefix = 'bulk') => Array.from({ length: count }, (_, i) => ({ email: `${prefix}${i}@example.com`, custom_password_hash: sha256Hash(`pw-${i}`) }));

const login = (tg: TestTollgate, username: string, password: string) => tg.token({ grant_type: 'password', username, password }, { basic: webClient });

async function finished(tg: ManagedTollgate, id: string) {
  await tg.jobs.idle();
  const res = await tg.call('GET', `/jobs/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

test('POST /jobs/users-imports: 201 with a pending job; it runs in the background to completed; imported users log in', async (t) => {
  const tg = await startManaged(t);
  const created = await tg.upload('/jobs/users-imports', [
    ['users', file([
      { email: 'carol@example.com', email_verified: true, name: 'Carol', custom_password_hash: sha256Hash('carols-old-password') },
      { username: 'dave', password: 'Tangerine-Octopus-42' },
    ])],
    ['connection_id', 'customers'], ['external_id', 'batch-1'], ['send_completion_email', 'true'],
  ]);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.headers['cache-control'], 'no-store');
  assert.match(created.body.id, /^job_[A-Za-z0-9]{16}$/);
  assert.deepEqual({ ...created.body, id: 'x' }, {
    id: 'x', type: 'users_import', status: 'pending', connection_id: 'customers', connection: 'customers', upsert: false, external_id: 'batch-1',
    created_at: NOW, completed_at: null, summary: { total: 2, inserted: 0, updated: 0, failed: 0, passwords_kept: 0 }, status_details: null,
  });

  const job = await finished(tg, created.body.id);
  assert.deepEqual([job.status, job.completed_at, job.summary], ['completed', NOW, { total: 2, inserted: 2, updated: 0, failed: 0, passwords_kept: 0 }]);
  assert.deepEqual((await tg.call('GET', `/jobs/${job.id}/errors`)).body, []);

  const carol = await login(tg, 'carol@example.com', 'carols-old-password');
  assert.equal(carol.status, 200, JSON.stringify(carol.body));
  assert.equal((await login(tg, 'dave', 'Tangerine-Octopus-42')).status, 200);
  assert.equal((await login(tg, 'dave', 'Tangerine-Octopus-43')).status, 400);
  const [event] = await tg.store.events.listEvents({ type: 'users.imported', limit: 5 });
  assert.deepEqual([event?.outcome, event?.client_id, event?.connection, event?.reason], ['success', 'ops', 'customers', job.id]);
});

test('GET /jobs/{id}/errors: each failed record with its index, line and reason; no password or hash reaches errors, logs or events', async (t) => {
  const tg = await startManaged(t);
  const secrets = ['Gina-Secret-Passw0rd', 'frank-frank-frank', '$2b$99$ThisIsNotARealBcryptHashButASecret', sha256Hash('erins-password').hash.value];
  const created = await tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', file([
    { email: 'erin@example.com', custom_password_hash: sha256Hash('erins-password') },
    { email: 'alice@example.com', custom_password_hash: sha256Hash('whatever-else') },
    { email: 'hank@example.com', password_hash: secrets[2] },
    { username: 'frank', password: secrets[1] },
    `{"email": "gina@example.com", "password": "${secrets[0]}" "oops"}`,
    17,
  ])]]);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const job = await finished(tg, created.body.id);
  assert.deepEqual([job.status, job.summary], ['completed', { total: 6, inserted: 1, updated: 0, failed: 5, passwords_kept: 0 }]);
  const errors = await tg.call('GET', `/jobs/${job.id}/errors`);
  assert.equal(errors.status, 200);
  assert.deepEqual(errors.body, [
    { user: { index: 1, line: 3 }, errors: [{ code: 'CONFLICT', message: 'username "alice@example.com" already exists in connection "customers" (--upsert updates existing users)' }] },
    { user: { index: 2, line: 4 }, errors: [{ code: 'INVALID', message: 'password_hash: not a bcrypt hash ($2a$, $2b$ or $2y$, cost 4 to 16, 22 characters of salt and 31 of hash)' }] },
    { user: { index: 3, line: 5 }, errors: [{ code: 'INVALID', message: 'password: must not contain the username or email address (password_policy.no_personal_info)' }] },
    { user: { index: 4, line: 6 }, errors: [{ code: 'INVALID', message: 'not valid JSON (near line 6)' }] },
    { user: { index: 5, line: 7 }, errors: [{ code: 'INVALID', message: 'not a JSON object' }] },
  ]);
  const events = JSON.stringify(await tg.store.events.listEvents({ limit: 100 }));
  const job_ = JSON.stringify(job);
  for (const secret of secrets) {
    for (const [where, text] of [['errors', JSON.stringify(errors.body)], ['job', job_], ['logs', tg.logs.join('')], ['events', events]]) {
      assert.ok(!text!.includes(secret), `${secret} in ${where}`);
    }
  }
  assert.ok(tg.logs.some((line) => line.includes('import job completed')), 'the logs were captured');
});

test('a job keeps the first MAX_JOB_ERRORS failed records; summary.failed counts them all', async (t) => {
  const tg = await startManaged(t);
  const created = await tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', file(Array(MAX_JOB_ERRORS + 1).fill(17))]]);
  const job = await finished(tg, created.body.id);
  assert.deepEqual(job.summary, { total: MAX_JOB_ERRORS + 1, inserted: 0, updated: 0, failed: MAX_JOB_ERRORS + 1, passwords_kept: 0 });
  const errors = (await tg.call('GET', `/jobs/${job.id}/errors`)).body;
  assert.deepEqual([errors.length, errors.at(-1).user], [MAX_JOB_ERRORS, { index: MAX_JOB_ERRORS - 1, line: MAX_JOB_ERRORS + 1 }]);
});

test('upsert=true: an existing user\'s profile is updated; a password set in Tollgate is kept', async (t) => {
  const tg = await startManaged(t);
  const created = await tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['upsert', 'true'],
    ['users', file([{ username: 'alice', email: 'alice@example.com', name: 'Alice L.', custom_password_hash: sha256Hash('not-alices-password') }])]]);
  const job = await finished(tg, created.body.id);
  assert.deepEqual([job.upsert, job.summary], [true, { total: 1, inserted: 0, updated: 1, failed: 0, passwords_kept: 1 }]);
  assert.equal((await tg.store.users.findUserByLogin('customers', 'alice'))?.name, 'Alice L.');
  assert.equal((await login(tg, 'alice', PASSWORD)).status, 200);
});

test('RFC 6750 §3.1: create:users creates a job, read:users reads it; no token is 401, a token without the scope 403', async (t) => {
  const tg = await startManaged(t);
  const fields: [string, string | Blob][] = [['connection_id', 'customers'], ['users', file([])]];
  const noToken = await tg.upload('/jobs/users-imports', fields, { token: null });
  assert.deepEqual([noToken.status, noToken.headers['www-authenticate']], [401, 'Bearer realm="tollgate"']);
  const reader = await tg.managementToken(['read:users']);
  const refused = await tg.upload('/jobs/users-imports', fields, { token: reader });
  assert.equal(refused.status, 403);
  assert.match(String(refused.headers['www-authenticate']), /error="insufficient_scope".*scope="create:users"/);

  const created = await tg.upload('/jobs/users-imports', fields, { token: await tg.managementToken(['create:users']) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await tg.jobs.idle();
  for (const path of [`/jobs/${created.body.id}`, `/jobs/${created.body.id}/errors`]) {
    assert.equal((await tg.call('GET', path, { token: null })).status, 401, path);
    const creatorOnly = await tg.call('GET', path, { token: await tg.managementToken(['create:users']) });
    assert.equal(creatorOnly.status, 403, path);
    assert.match(String(creatorOnly.headers['www-authenticate']), /scope="read:users"/);
    assert.equal((await tg.call('GET', path, { token: reader })).status, 200, path);
  }
  assert.deepEqual((await tg.call('GET', `/jobs/${created.body.id}`)).body.summary, { total: 0, inserted: 0, updated: 0, failed: 0, passwords_kept: 0 });
});

test('an upload over management.import_max_bytes is 413 with a JSON error; nothing is read before the token is checked', async (t) => {
  const tg = await startManaged(t, (c) => { c.management = { import_max_bytes: 2048 }; });
  const big = [['connection_id', 'customers'], ['users', file(many(40))]] as [string, Blob | string][];
  const res = await tg.upload('/jobs/users-imports', big);
  assert.deepEqual([res.status, res.body], [413, { statusCode: 413, error: 'Payload Too Large', errorCode: 'payload_too_large', message: 'The request body is larger than 2 KiB.' }]);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal((await tg.upload('/jobs/users-imports', big, { token: null })).status, 401, 'an anonymous upload is refused before its body is read');
  const small = await tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', file(many(3))]]);
  assert.equal(small.status, 201, 'the limit is the configured one');
  await tg.jobs.idle();
  const json = await tg.call('POST', '/users', { body: { user_metadata: { blob: 'x'.repeat(70_000) } } });
  assert.deepEqual([json.status, json.body.message], [400, 'The request body is larger than 64 KiB.'], 'JSON bodies keep their own limit');
});

test('400s name the field: users and connection_id required, an unknown connection, a file that is not a JSON array, repeated and unknown fields', async (t) => {
  const tg = await startManaged(t);
  const post = (fields: [string, string | Blob][]) => tg.upload('/jobs/users-imports', fields);
  const fieldsOf = (res: { body: { fields?: { field: string }[] } }) => res.body.fields?.map((f) => f.field).sort();

  const missing = await post([['upsert', 'true']]);
  assert.deepEqual([missing.status, missing.body.errorCode, fieldsOf(missing)], [400, 'invalid_body', ['connection_id', 'users']]);
  const unknown = await post([['connection_id', 'nope'], ['users', file([])]]);
  assert.deepEqual([unknown.status, unknown.body.fields], [400, [{ field: 'connection_id', message: 'unknown connection "nope"' }]]);
  const notArray = await post([['connection_id', 'customers'], ['users', new Blob(['"x@example.com"'])]]);
  assert.deepEqual([notArray.status, notArray.body.fields], [400, [{ field: 'users', message: 'not a JSON array or NDJSON of users: line 1: expected a JSON array of users ("[ {...}, {...} ]") or one JSON object per line (NDJSON)' }]]);
  const unterminated = await post([['connection_id', 'customers'], ['users', new Blob(['[\n{"email": "x@example.com"},\n{"email": "y'])]]);
  assert.match(unterminated.body.fields[0].message, /line 3: the array does not end/);
  const repeated = await post([['connection_id', 'customers'], ['connection_id', 'employees'], ['users', file([])]]);
  assert.deepEqual([repeated.status, repeated.body.fields], [400, [{ field: 'connection_id', message: 'given more than once' }]]);
  const extra = await post([['connection_id', 'customers'], ['users', file([])], ['colour', 'red'], ['upsert', 'maybe']]);
  assert.deepEqual([extra.status, fieldsOf(extra)], [400, ['colour', 'upsert']]);

  const json = await tg.call('POST', '/jobs/users-imports', { body: { connection_id: 'customers', users: '[]' } });
  assert.deepEqual([json.status, json.body.message], [400, 'The Content-Type must be multipart/form-data.']);
  const garbled = await tg.call('POST', '/jobs/users-imports', { body: 'not multipart at all', headers: { 'content-type': 'multipart/form-data; boundary=xyz' } });
  assert.deepEqual([garbled.status, garbled.body], [400, { statusCode: 400, error: 'Bad Request', errorCode: 'invalid_request', message: 'The multipart/form-data body is malformed.' }]);
  const get = await tg.call('GET', '/jobs/users-imports');
  assert.deepEqual([get.status, get.headers.allow], [405, 'POST'], 'the upload path, not a job id');
  assert.deepEqual((await tg.store.events.listEvents({ type: 'users.imported', limit: 5 })), [], 'no job was created');
});

test('GET /jobs/{id}: 404 for an unknown job; /errors of an unfinished job answers the job itself, as Auth0\'s does', async (t) => {
  const tg = await startManaged(t);
  for (const path of ['/jobs/job_nope', '/jobs/job_nope/errors']) {
    const res = await tg.call('GET', path);
    assert.deepEqual([res.status, res.body.errorCode], [404, 'not_found'], path);
  }
  const running: JobRecord = {
    id: 'job_RunningElsewhere1', type: 'users_import', status: 'processing', connection: 'customers', upsert: false, external_id: null, client_id: 'ops',
    created_at: NOW, updated_at: NOW, completed_at: null, summary: { total: 10, inserted: 4, updated: 0, failed: 0, passwords_kept: 0 }, status_details: null,
  };
  await tg.store.jobs.createJob(running);
  const errors = await tg.call('GET', `/jobs/${running.id}/errors`);
  assert.deepEqual([errors.status, errors.body.status, errors.body.summary.inserted], [200, 'processing', 4]);
});

test('several nodes on one store: any node answers GET /jobs/{id} for a job another one ran', async (t) => {
  const storage = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-jobs-')), 'db.sqlite')}`;
  const nodeA = managed(await start(t, (c) => { withOps(c); c.storage = storage; }));
  const nodeB = managed(await start(t, (c) => { withOps(c); c.storage = storage; }));
  const created = await nodeA.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', file(many(3))]]);
  await nodeA.jobs.idle();
  const seen = await nodeB.call('GET', `/jobs/${created.body.id}`);
  assert.deepEqual([seen.status, seen.body.status, seen.body.summary.inserted], [200, 'completed', 3]);
  assert.deepEqual((await nodeB.call('GET', `/jobs/${created.body.id}/errors`)).body, []);
});

test('a job its node left unfinished (the process exited) is declared failed at the next start, once STALE_AFTER has passed without a heartbeat', async (t) => {
  const storage = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-jobs-')), 'db.sqlite')}`;
  const store = openSqlite(storage);
  const job = (id: string, heardAt: number): JobRecord => ({
    id, type: 'users_import', status: 'processing', connection: 'customers', upsert: false, external_id: null, client_id: 'ops',
    created_at: NOW - 3600, updated_at: heardAt, completed_at: null, summary: { total: 5000, inserted: 2000, updated: 0, failed: 0, passwords_kept: 0 }, status_details: null,
  });
  await store.jobs.createJob(job('job_Interrupted00001', NOW - STALE_AFTER - 1));
  await store.jobs.createJob(job('job_StillRunning0001', NOW - 10));
  await store.close();

  const tg = managed(await start(t, (c) => { withOps(c); c.storage = storage; }));
  const interrupted = (await tg.call('GET', '/jobs/job_Interrupted00001')).body;
  assert.deepEqual([interrupted.status, interrupted.status_details, interrupted.completed_at, interrupted.summary.inserted], ['failed', INTERRUPTED, NOW, 2000]);
  assert.equal((await tg.call('GET', '/jobs/job_StillRunning0001')).body.status, 'processing', 'a job heard of recently may be running on another node');
  tg.advance(STALE_AFTER);
  await housekeep(tg.store, tg.config, NOW + STALE_AFTER);
  assert.equal((await tg.call('GET', '/jobs/job_StillRunning0001')).body.status, 'failed', 'housekeeping declares it failed once it has been silent long enough');
});

test('a node that shuts down stops its running job after the current batch and marks it failed; what was imported stays', async (t) => {
  const storage = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-jobs-')), 'db.sqlite')}`;
  const tg = managed(await startTollgate((c) => { withOps(c); c.storage = storage; }));
  let closed = false;
  t.after(async () => { if (!closed) await tg.close(); });
  const created = await tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', file(many(10_000))]]);
  assert.equal(created.status, 201);
  closed = true;
  await tg.close();

  const store = openSqlite(storage);
  t.after(() => store.close());
  const job = await store.jobs.getJob(created.body.id);
  assert.deepEqual([job?.status, job?.status_details], ['failed', INTERRUPTED]);
  const imported = await store.users.countUsers({ connection: 'customers' }) - 2;
  assert.ok(imported < 10_000, `stopped early (${imported} imported)`);
  assert.equal(job?.summary.inserted, imported, 'the summary counts what was imported before it stopped');
  const [event] = await store.events.listEvents({ type: 'users.imported', limit: 1 });
  assert.deepEqual([event?.outcome, event?.reason], ['failure', created.body.id]);
});

test('a node runs two import jobs at once; a third is 429 too_many_jobs with Retry-After', async (t) => {
  const tg = await startManaged(t);
  const uploads = ['a', 'b', 'c'].map((prefix) => tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', file(many(3000, prefix))]]));
  const answers = await Promise.all(uploads);
  assert.deepEqual(answers.map((a) => a.status).sort(), [201, 201, 429]);
  const refused = answers.find((a) => a.status === 429)!;
  assert.deepEqual([refused.body.errorCode, refused.headers['retry-after']], ['too_many_jobs', '60']);
  await tg.jobs.idle();
  for (const ok of answers.filter((a) => a.status === 201)) assert.equal((await tg.call('GET', `/jobs/${ok.body.id}`)).body.status, 'completed');
});

test('housekeeping purges jobs that ended management.job_retention_days ago', async (t) => {
  const tg = await startManaged(t, (c) => { c.management = { job_retention_days: 2 }; });
  const created = await tg.upload('/jobs/users-imports', [['connection_id', 'customers'], ['users', file([])]]);
  await finished(tg, created.body.id);
  await housekeep(tg.store, tg.config, NOW + 2 * 86_400);
  assert.equal((await tg.call('GET', `/jobs/${created.body.id}`)).status, 200, 'kept for the whole retention');
  await housekeep(tg.store, tg.config, NOW + 2 * 86_400 + 1);
  assert.equal((await tg.call('GET', `/jobs/${created.body.id}`)).status, 404);
});

test('the OpenAPI document describes the upload as multipart/form-data with its fields, limits and scopes', async (t) => {
  const tg = await startManaged(t);
  const doc = (await tg.call('GET', '/openapi.json', { token: null })).body;
  const upload = doc.paths['/jobs/users-imports'].post;
  assert.deepEqual(upload.security, [{ management: ['create:users'] }]);
  const schema = upload.requestBody.content['multipart/form-data'].schema;
  assert.deepEqual(schema.required.sort(), ['connection_id', 'users']);
  assert.equal(schema.properties.users.contentMediaType, 'application/json');
  assert.ok(schema.properties.send_completion_email);
  assert.ok(upload.responses['413'] && upload.responses['429'] && upload.responses['201'].content['application/json'].schema.properties.summary);
  assert.deepEqual(doc.paths['/jobs/{id}'].get.security, [{ management: ['read:users'] }]);
  assert.ok(doc.paths['/jobs/{id}/errors'].get.responses['200']);
});
