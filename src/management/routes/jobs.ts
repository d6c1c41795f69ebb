/** /jobs: Auth0's user import job (POST /jobs/users-imports), its status and its failed records. */
import { z } from 'zod';
import { createImportJob, getJob, getJobErrors, importJobBody, jobErrorView, jobParams, jobView } from '../jobs.ts';
import { operation } from '../operation.ts';
import { createUserExport, downloadUserExport, userExportBody, userExportView } from '../user-exports.ts';

export const jobOperations = [
  operation({
    method: 'POST', path: '/jobs/users-imports', scope: 'create:users',
    summary: 'Import users from a file in Auth0\'s bulk import format, in the background; poll GET /jobs/{id}',
    body: importJobBody, upload: true, response: jobView, status: 201,
    handle: ({ body, caller }, ctx) => createImportJob(ctx, caller.client_id, body),
  }),
  operation({
    method: 'POST', path: '/jobs/users-exports', scope: 'read:users',
    summary: 'Export users in Auth0\'s formats (NDJSON or CSV): a completed job whose location serves the file to this client for an hour',
    body: userExportBody, response: userExportView, status: 201,
    handle: ({ body, caller }, ctx) => createUserExport(ctx, caller.client_id, body),
  }),
  operation({
    method: 'GET', path: '/jobs/:id/download', scope: 'read:users', summary: 'An export job\'s file, to the client that created it, until it expires',
    params: jobParams,
    handle: ({ params, caller }, ctx) => downloadUserExport(ctx, caller.client_id, params.id),
  }),
  operation({
    method: 'GET', path: '/jobs/:id', scope: 'read:users', summary: 'A job\'s status and summary (on any node)',
    params: jobParams, response: z.union([jobView, userExportView]),
    handle: ({ params }, ctx) => getJob(ctx, params.id),
  }),
  operation({
    method: 'GET', path: '/jobs/:id/errors', scope: 'read:users',
    summary: 'The records an ended job could not import, with why; the job itself while it runs',
    params: jobParams, response: z.union([z.array(jobErrorView), jobView]),
    handle: ({ params }, ctx) => getJobErrors(ctx, params.id),
  }),
];
