/** Jobs (Auth0's /jobs): the user import job, its status and its failed records. */
import { z } from 'zod';
import { ImportFileError, splitUsersFile } from '../accounts/import/import-users.ts';
import { viewOfExport, type UserExportView } from './user-exports.ts';
import { InvalidInputError } from '../errors/management.ts';
import { NotFoundError } from '../errors/oauth.ts';
import { JOB_STATUSES, UNFINISHED_JOB_STATUSES, type JobRecord, type JobStatus } from '../model/jobs.ts';
import type { Actor, ManagementContext } from './context.ts';

/** The multipart/form-data fields of POST /jobs/users-imports (every value arrives as text). */
export const importJobBody = z.strictObject({
  users: z.string().meta({ contentMediaType: 'application/json' })
    .describe('The file (a file part, as curl --form users=@users.json sends it): a JSON array of users in Auth0\'s bulk import format (docs/import.md).'),
  connection_id: z.string().min(1).describe('The connection the users join, by name (Tollgate names connections; it has no con_ ids).'),
  upsert: z.stringbool().default(false).describe('true: a user whose username or email exists is updated; false: that record is a conflict.'),
  external_id: z.string().max(255).optional().describe('Your own reference for the job, returned with it.'),
  send_completion_email: z.stringbool().optional().describe('Accepted for compatibility with Auth0 and ignored: Tollgate sends no email.'),
});
export type ImportJobBody = z.output<typeof importJobBody>;

export const jobParams = z.strictObject({ id: z.string().describe('The job id (job_...).') });

export const jobView = z.object({
  id: z.string(),
  type: z.literal('users_import'),
  status: z.enum(JOB_STATUSES).describe('pending, then processing, then completed or failed.'),
  connection_id: z.string().describe('The connection\'s name, as given.'),
  connection: z.string(),
  upsert: z.boolean(),
  external_id: z.string().nullable(),
  created_at: z.number().int(),
  completed_at: z.number().int().nullable(),
  summary: z.object({
    total: z.number().int().describe('Records in the file.'),
    inserted: z.number().int(),
    updated: z.number().int(),
    failed: z.number().int(),
    passwords_kept: z.number().int().describe('Updated users whose password stayed: it was no longer an imported hash.'),
  }).describe('So far while the job runs; final once it has completed.'),
  status_details: z.string().nullable().describe('Why the job failed.'),
});
export type JobView = z.output<typeof jobView>;

export const jobErrorView = z.object({
  user: z.object({ index: z.number().int().describe('Position in the array, from 0.'), line: z.number().int().describe('Line of the file where the record starts.') })
    .describe('Where the record is; never its password or hash.'),
  errors: z.array(z.object({ code: z.enum(['INVALID', 'CONFLICT']), message: z.string() })),
});

export function viewOfJob(job: JobRecord): JobView {
  const { client_id: _client, updated_at: _heartbeat, ...shown } = job;
  return { ...shown, connection_id: job.connection };
}

const isUnfinished = (status: JobStatus) => (UNFINISHED_JOB_STATUSES as readonly JobStatus[]).includes(status);

async function findJob(ctx: ManagementContext, id: string): Promise<JobRecord> {
  const job = await ctx.store.jobs.getJob(id);
  if (!job) throw new NotFoundError(`No job with id "${id}".`);
  return job;
}

/** Checks the request (connection, a JSON array or NDJSON) before answering 201, so a job never fails for what the caller could fix. */
export async function createImportJob(ctx: ManagementContext, actor: Actor, body: ImportJobBody): Promise<JobView> {
  if (!ctx.jobs) throw new Error('import jobs run on a node only');
  if (!(await ctx.store.connections.getConnection(body.connection_id))) {
    throw new InvalidInputError('body', [{ field: 'connection_id', message: `unknown connection "${body.connection_id}"` }]);
  }
  let elements;
  try {
    elements = splitUsersFile(body.users);
  } catch (err) {
    if (err instanceof ImportFileError) throw new InvalidInputError('body', [{ field: 'users', message: `not a JSON array or NDJSON of users: ${err.message}` }]);
    throw err;
  }
  const job = await ctx.jobs.start({ elements, connection: body.connection_id, upsert: body.upsert, external_id: body.external_id ?? null, actor });
  return viewOfJob(job);
}

export async function getJob(ctx: ManagementContext, id: string): Promise<JobView | UserExportView> {
  // Export jobs live in their own table; both kinds answer at /jobs/{id}, as at Auth0.
  const exported = await ctx.store.exports.getExport(id);
  if (exported) return viewOfExport(ctx, exported);
  return viewOfJob(await findJob(ctx, id));
}

/**
 * Auth0's answer: the failed records with their errors once the job has ended (in file order, as many as the job
 * kept: import-jobs.ts MAX_JOB_ERRORS; [] when none failed), and the job itself while it has not.
 */
export async function getJobErrors(ctx: ManagementContext, id: string): Promise<z.output<typeof jobErrorView>[] | JobView> {
  const job = await findJob(ctx, id);
  if (isUnfinished(job.status)) return viewOfJob(job);
  const problems = (await ctx.store.jobs.getJobErrors(id)) ?? [];
  return problems.map(({ index, line, kind, reason }) => ({
    user: { index, line }, errors: [{ code: kind === 'conflict' ? 'CONFLICT' as const : 'INVALID' as const, message: reason }],
  }));
}
