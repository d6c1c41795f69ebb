/** The user export slice on every store: a record reads back as written, and only expired downloads are purged. */
import assert from 'node:assert/strict';
import type { UserExportRecord } from '../../src/model/jobs.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;
const record = (id: string, expires_at: number): UserExportRecord => ({
  id, client_id: 'ops', connection: id === 'job_all' ? null : 'customers', format: 'csv',
  fields: [{ name: 'email', export_as: 'Email' }, { name: 'blocked', export_as: 'blocked' }], created_at: T, expires_at,
});

forEachStore('user exports', (withStore) => {
  withStore('an export reads back as written; purge removes only the expired ones', async (store) => {
    await store.exports.createExport(record('job_old', T + 10));
    await store.exports.createExport(record('job_all', T + 3600));
    assert.deepEqual(await store.exports.getExport('job_all'), record('job_all', T + 3600));
    assert.equal(await store.exports.getExport('job_none'), undefined);
    assert.equal(await store.exports.purgeExports(T + 100), 1);
    assert.equal(await store.exports.getExport('job_old'), undefined);
    assert.ok(await store.exports.getExport('job_all'));
  });
});
