/**
 * JobStore in SQL that both dialects run unchanged (parameters as $n, as in ./mfa-sql.ts). Every change is one
 * conditional UPDATE on an unfinished job, so a node that declared a job failed (its runner went silent) is never
 * overruled by a runner that comes back.
 */
import { UNFINISHED_JOB_STATUSES, type ImportProblem, type JobRecord, type JobUpdate } from '../model/jobs.ts';
import type { JobStore } from './slices/jobs.ts';
import { insertStatement, type RunSql } from './portable-sql.ts';

/** Both stores share this schema (the migration that adds import jobs); summary and errors are JSON text, upsert 0 or 1. */
export const JOBS_MIGRATION_SQL = `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    connection TEXT NOT NULL,
    upsert INTEGER NOT NULL,
    external_id TEXT,
    client_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT,
    summary TEXT NOT NULL,
    status_details TEXT,
    errors TEXT
  );
  CREATE INDEX jobs_unfinished ON jobs (status, updated_at);
  CREATE INDEX jobs_completed ON jobs (completed_at);
`;

const COLUMNS = ['id', 'type', 'status', 'connection', 'upsert', 'external_id', 'client_id', 'created_at', 'updated_at', 'completed_at', 'summary', 'status_details'] as const;
const UNFINISHED = UNFINISHED_JOB_STATUSES.map((s) => `'${s}'`).join(', ');

function toJob(row: Record<string, unknown>): JobRecord {
  return { ...(row as unknown as JobRecord), upsert: Number(row.upsert) === 1, summary: JSON.parse(row.summary as string) };
}

export class SqlJobStore implements JobStore {
  readonly #run: RunSql;
  constructor(run: RunSql) {
    this.#run = run;
  }

  async createJob(job: JobRecord): Promise<void> {
    const row = { ...job, upsert: job.upsert ? 1 : 0, summary: JSON.stringify(job.summary) };
    await this.#run(insertStatement('jobs', COLUMNS), COLUMNS.map((c) => row[c]));
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const [row] = await this.#run(`SELECT ${COLUMNS.join(', ')} FROM jobs WHERE id = $1`, [id]);
    return row && toJob(row);
  }

  async getJobErrors(id: string): Promise<ImportProblem[] | undefined> {
    const [row] = await this.#run('SELECT errors FROM jobs WHERE id = $1', [id]);
    return row && (row.errors === null ? [] : JSON.parse(row.errors as string));
  }

  async updateJob(id: string, update: JobUpdate, now: number): Promise<boolean> {
    const ends = !(UNFINISHED_JOB_STATUSES as readonly string[]).includes(update.status);
    const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
    return (await this.#run(`UPDATE jobs SET status = $2, updated_at = $3, completed_at = $4, summary = COALESCE($5, summary),
      status_details = COALESCE($6, status_details), errors = COALESCE($7, errors)
      WHERE id = $1 AND status IN (${UNFINISHED}) RETURNING id`,
    [id, update.status, now, ends ? now : null, json(update.summary), update.status_details ?? null, json(update.errors)])).length === 1;
  }

  async failStaleJobs(heardBefore: number, now: number, details: string): Promise<number> {
    return (await this.#run(`UPDATE jobs SET status = 'failed', status_details = $3, updated_at = $2, completed_at = $2
      WHERE status IN (${UNFINISHED}) AND updated_at < $1 RETURNING id`, [heardBefore, now, details])).length;
  }

  async purgeJobs(endedBefore: number): Promise<number> {
    return (await this.#run('DELETE FROM jobs WHERE completed_at < $1 RETURNING id', [endedBefore])).length;
  }
}
