/** The storage contract for management jobs (the user import job), the same assertions for each backend. */
import assert from 'node:assert/strict';
import type { ImportProblem, JobRecord } from '../../src/model/jobs.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;

function job(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id, type: 'users_import', status: 'pending', connection: 'customers', upsert: false, external_id: null, client_id: 'ops',
    created_at: T, updated_at: T, completed_at: null, summary: { total: 3, inserted: 0, updated: 0, failed: 0, passwords_kept: 0 },
    status_details: null, ...overrides,
  };
}

const problems: ImportProblem[] = [
  { index: 1, line: 3, kind: 'invalid', reason: 'email: Invalid email address' },
  { index: 2, line: 4, kind: 'conflict', reason: 'username "bob" already exists in connection "customers" (--upsert updates existing users)' },
];

forEachStore('storage contract: jobs', (withStore) => {
  withStore('createJob / getJob: the record reads back as written; an unknown id is undefined', async (store) => {
    const written = job('job_aaaaaaaaaaaaaaaa', { upsert: true, external_id: 'batch-7' });
    await store.jobs.createJob(written);
    assert.deepEqual(await store.jobs.getJob(written.id), written);
    assert.equal(await store.jobs.getJob('job_nope'), undefined);
    assert.equal(await store.jobs.getJobErrors('job_nope'), undefined);
    assert.deepEqual(await store.jobs.getJobErrors(written.id), [], 'no errors before it ends');
  });

  withStore('updateJob: progress, then the end with its errors and completed_at; a finished job no longer changes', async (store) => {
    await store.jobs.createJob(job('job_b'));
    assert.equal(await store.jobs.updateJob('job_b', { status: 'processing' }, T + 1), true);
    const progress = { total: 3, inserted: 1, updated: 0, failed: 0, passwords_kept: 0 };
    assert.equal(await store.jobs.updateJob('job_b', { status: 'processing', summary: progress }, T + 2), true);
    assert.deepEqual(await store.jobs.getJob('job_b'), job('job_b', { status: 'processing', updated_at: T + 2, summary: progress }));
    const done = { total: 3, inserted: 1, updated: 0, failed: 2, passwords_kept: 0 };
    assert.equal(await store.jobs.updateJob('job_b', { status: 'completed', summary: done, errors: problems }, T + 3), true);
    assert.deepEqual(await store.jobs.getJob('job_b'), job('job_b', { status: 'completed', updated_at: T + 3, completed_at: T + 3, summary: done }));
    assert.deepEqual(await store.jobs.getJobErrors('job_b'), problems);
    assert.equal(await store.jobs.updateJob('job_b', { status: 'failed', status_details: 'late' }, T + 4), false, 'a finished job stays as it ended');
    assert.equal((await store.jobs.getJob('job_b'))?.status, 'completed');
    assert.equal(await store.jobs.updateJob('job_nope', { status: 'processing' }, T), false);
  });

  withStore('failStaleJobs: fails only unfinished jobs not heard of since the cutoff, with the reason', async (store) => {
    await store.jobs.createJob(job('job_stale_processing', { status: 'processing', updated_at: T - 600 }));
    await store.jobs.createJob(job('job_stale_pending', { updated_at: T - 301 }));
    await store.jobs.createJob(job('job_alive', { status: 'processing', updated_at: T - 300 }));
    await store.jobs.createJob(job('job_done', { status: 'completed', updated_at: T - 900, completed_at: T - 900 }));
    assert.equal(await store.jobs.failStaleJobs(T - 300, T, 'interrupted'), 2);
    for (const id of ['job_stale_processing', 'job_stale_pending']) {
      const failed = await store.jobs.getJob(id);
      assert.deepEqual([failed?.status, failed?.status_details, failed?.completed_at, failed?.updated_at], ['failed', 'interrupted', T, T], id);
    }
    assert.equal((await store.jobs.getJob('job_alive'))?.status, 'processing', 'a job heard of at the cutoff is still running');
    assert.equal((await store.jobs.getJob('job_done'))?.status_details, null);
    assert.equal(await store.jobs.updateJob('job_stale_processing', { status: 'completed' }, T + 1), false, 'its runner cannot revive it');
  });

  withStore('purgeJobs: deletes jobs that ended before the cutoff, never an unfinished one', async (store) => {
    await store.jobs.createJob(job('job_old', { status: 'failed', created_at: T - 100, completed_at: T - 10 }));
    await store.jobs.createJob(job('job_recent', { status: 'completed', completed_at: T }));
    await store.jobs.createJob(job('job_running', { status: 'processing', created_at: T - 100, updated_at: T - 100 }));
    assert.equal(await store.jobs.purgeJobs(T), 1);
    assert.equal(await store.jobs.getJob('job_old'), undefined);
    assert.ok(await store.jobs.getJob('job_recent'));
    assert.ok(await store.jobs.getJob('job_running'));
    assert.equal(await store.jobs.purgeJobs(T), 0);
  });
});
