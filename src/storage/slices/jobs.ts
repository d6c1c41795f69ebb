import type { ImportProblem, JobRecord, JobUpdate } from '../../model/jobs.ts';

export interface JobStore {
  createJob(job: JobRecord): Promise<void>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** The records a job could not import, in file order ([] until it ends); undefined when there is no such job. */
  getJobErrors(id: string): Promise<ImportProblem[] | undefined>;
  /**
   * Conditional write: changes the job (and sets updated_at to `now`, completed_at too when it ends) only while it is
   * pending or processing, so a job another node has declared failed stays failed. False when it was not.
   */
  updateJob(id: string, update: JobUpdate, now: number): Promise<boolean>;
  /** Fails the unfinished jobs last heard of before `heardBefore` with `details`; returns how many. */
  failStaleJobs(heardBefore: number, now: number, details: string): Promise<number>;
  /** Deletes the jobs that ended before `endedBefore` (never an unfinished one); returns how many went. */
  purgeJobs(endedBefore: number): Promise<number>;
}
