/** /jobs: Auth0's user import job (POST /jobs/users-imports), its status and its failed records. */
import { z } from 'zod';
import { createImportJob, getJob, getJobErrors, importJobBody, jobErrorView, jobParams, jobView } from '../jobs.ts';
import { operation } from '../operation.ts';

export const jobOperations = [
  operation({
    method: 'POST', path: '/jobs/users-imports', scope: 'create:users',
    summary: 'Import users from a file in Auth0\'s bulk import format, in the background; poll GET /jobs/{id}',
    body: importJobBody, upload: true, response: jobView, status: 201,
    handle: ({ body, caller }, ctx) => createImportJob(ctx, caller.client_id, body),
  }),
  operation({
    method: 'GET', path: '/jobs/:id', scope: 'read:users', summary: 'A job\'s status and summary (on any node)',
    params: jobParams, response: jobView,
    handle: ({ params }, ctx) => getJob(ctx, params.id),
  }),
  operation({
    method: 'GET', path: '/jobs/:id/errors', scope: 'read:users',
    summary: 'The records an ended job could not import, with why; the job itself while it runs',
    params: jobParams, response: z.union([z.array(jobErrorView), jobView]),
    handle: ({ params }, ctx) => getJobErrors(ctx, params.id),
  }),
];
