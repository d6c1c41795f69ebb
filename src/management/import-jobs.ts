/**
 * The user import job (Auth0's POST /jobs/users-imports): the job is recorded in the store, so any node answers
 * GET /jobs/{id}, and runs on the node that took the upload, in the background, batch by batch (importElements), with
 * the summary written after each batch. A running job's node renews updated_at every HEARTBEAT_MS; a job not heard
 * of for STALE_AFTER seconds was interrupted (its process exited) and is declared failed, at any node's start and
 * housekeeping. A node that shuts down stops its jobs after their current batch and marks them failed itself.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { importElements, type ImportReport, type JsonElement } from '../accounts/import/import-users.ts';
import { TooManyJobsError } from '../errors/management.ts';
import type { JobRecord, JobSummary } from '../model/jobs.ts';
import type { Store } from '../storage/store.ts';
import type { Actor } from './actor.ts';
import type { PasswordHasher } from '../accounts/passwords.ts';
import type { PolicyChecks } from '../accounts/password-policy.ts';
import type { PasswordPolicy } from '../config/schema.ts';
import type { AuditLog } from '../events/audit.ts';

/** Jobs one node runs at once: each holds its whole file in memory. Auth0 also refuses a third concurrent import. */
export const JOBS_AT_ONCE = 2;
/** How often a running job's node tells the store the job is alive. */
const HEARTBEAT_MS = 30_000;
/** Seconds without a heartbeat after which a job counts as interrupted: ten missed heartbeats. */
export const STALE_AFTER = 300;
/** Failed records kept per job for GET /jobs/{id}/errors (summary.failed counts them all), so one row stays bounded. */
export const MAX_JOB_ERRORS = 10_000;

export const INTERRUPTED = 'interrupted: the node running the job stopped before it finished; import the file again (with upsert, records already imported are updated rather than conflicts)';
const FAILED = 'failed: an internal error stopped the import (the node\'s log has it); records imported before it stay';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `job_` and 16 characters of [A-Za-z0-9], Auth0's shape: 95 random bits. */
export function newJobId(): string {
  return `job_${Array.from({ length: 16 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('')}`;
}

export function summaryOf(report: Pick<ImportReport, 'records' | 'created' | 'updated' | 'passwords_kept' | 'problems'>): JobSummary {
  return { total: report.records, inserted: report.created, updated: report.updated, failed: report.problems.length, passwords_kept: report.passwords_kept };
}

/** Declares failed the jobs whose node has gone silent (at a node's start and at every housekeeping run). */
export function failStaleJobs(store: Pick<Store, 'jobs'>, now: number): Promise<number> {
  return store.jobs.failStaleJobs(now - STALE_AFTER, now, INTERRUPTED);
}

/**
 * An unexpected error, for the log: its message and stack, never the properties a driver adds (PostgreSQL's
 * `detail` can quote a whole row, password hash included).
 */
function loggable(err: unknown) {
  const { name, message, stack, code } = err as Error & { code?: unknown };
  return { type: name, message, stack, code };
}

/** The import stopped between batches: this node is shutting down, or another node declared the job failed. */
class Interrupted extends Error {}

/** What an import job needs of the management context (the same fields), and a log. */
export interface ImportJobDeps {
  store: Store;
  hasher: PasswordHasher;
  audit: AuditLog;
  now: () => number;
  passwordPolicy: (connection: string) => PasswordPolicy;
  passwordChecks: PolicyChecks;
  log: Logger;
}

export interface NewImportJob {
  elements: JsonElement[];
  connection: string;
  upsert: boolean;
  external_id: string | null;
  actor: Actor;
}

export class ImportJobs {
  readonly #deps: ImportJobDeps;
  /** This node's jobs, until each has ended. */
  readonly #running = new Map<string, Promise<void>>();
  #stopping = false;

  constructor(deps: ImportJobDeps) {
    this.#deps = deps;
  }

  /** Records the job as pending and starts it; resolves once it is recorded. TooManyJobsError at JOBS_AT_ONCE. */
  async start(input: NewImportJob): Promise<JobRecord> {
    if (this.#running.size >= JOBS_AT_ONCE) throw new TooManyJobsError(this.#running.size);
    const now = this.#deps.now();
    const job: JobRecord = {
      id: newJobId(), type: 'users_import', status: 'pending', connection: input.connection, upsert: input.upsert, external_id: input.external_id,
      client_id: input.actor, created_at: now, updated_at: now, completed_at: null,
      summary: summaryOf({ records: input.elements.length, created: 0, updated: 0, passwords_kept: 0, problems: [] }), status_details: null,
    };
    // The slot is taken before the first await, so two requests at once cannot both pass the limit.
    const created = this.#deps.store.jobs.createJob(job);
    const done = created.then(() => this.#run(job, input.elements), () => {});
    this.#running.set(job.id, done);
    void done.finally(() => this.#running.delete(job.id));
    await created;
    return job;
  }

  /** Resolves once none of this node's jobs is running. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  /** Stops this node's jobs after their current batch (each is then marked failed, INTERRUPTED) and waits for them. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.idle();
  }

  /** Never rejects: whatever happens ends in the job's record. */
  async #run(job: JobRecord, elements: JsonElement[]): Promise<void> {
    const { store, hasher, passwordChecks: checks, audit, log, now } = this.#deps;
    const update = async (change: Parameters<Store['jobs']['updateJob']>[1]) => {
      if (!(await store.jobs.updateJob(job.id, change, now()))) throw new Interrupted();
    };
    const heartbeat = setInterval(() => {
      store.jobs.updateJob(job.id, { status: 'processing' }, now()).catch((err: unknown) => log.warn({ job: job.id, err: loggable(err) }, 'import job heartbeat not stored'));
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const event = { type: 'users.imported', client_id: job.client_id, connection: job.connection, reason: job.id } as const;
    try {
      await update({ status: 'processing' });
      const report = await importElements(elements, {
        connection: job.connection, upsert: job.upsert, policy: this.#deps.passwordPolicy(job.connection), now: now(),
        onBatch: async (progress) => {
          await update({ status: 'processing', summary: summaryOf(progress) });
          if (this.#stopping) throw new Interrupted();
          // Requests this node serves get their turn between batches.
          await new Promise((resolve) => setImmediate(resolve));
        },
      }, { store, hasher, checks });
      await update({ status: 'completed', summary: summaryOf(report), errors: report.problems.slice(0, MAX_JOB_ERRORS) });
      log.info({ job: job.id, summary: summaryOf(report) }, 'import job completed');
      await audit.emit({ ...event, outcome: 'success' });
    } catch (err) {
      const interrupted = err instanceof Interrupted;
      if (!interrupted) log.error({ job: job.id, err: loggable(err) }, 'import job failed');
      const marked = await store.jobs.updateJob(job.id, { status: 'failed', status_details: interrupted ? INTERRUPTED : FAILED }, now())
        .catch((e: unknown) => log.error({ job: job.id, err: loggable(e) }, 'import job failure not stored'));
      if (marked !== false) await audit.emit({ ...event, outcome: 'failure' });
    } finally {
      clearInterval(heartbeat);
    }
  }
}
