/** Management jobs (the user import). */

/** A background job's lifecycle (Auth0's): pending until a node starts it, then processing until it completes or fails. */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses a job can still leave. */
export const UNFINISHED_JOB_STATUSES = ['pending', 'processing'] as const satisfies readonly JobStatus[];

/** What an import job has done so far (Auth0's summary, and Tollgate's passwords_kept). */
export interface JobSummary {
  /** Records in the file. */
  total: number;
  inserted: number;
  updated: number;
  failed: number;
  /** Updated users whose password stayed, because it was no longer an imported hash. */
  passwords_kept: number;
}

/** A record an import could not take: where it is in the file and why (never its password or hash). */
export interface ImportProblem {
  /** 0-based position in the array. */
  index: number;
  /** 1-based line of the file where the record starts. */
  line: number;
  kind: 'invalid' | 'conflict';
  reason: string;
}

/** A management job (the user import), kept in the store so every node can answer for it. Times are unix seconds. */
export interface JobRecord {
  /** `job_` and 16 random characters, as Auth0's. */
  id: string;
  type: 'users_import';
  status: JobStatus;
  /** The connection the users join. */
  connection: string;
  upsert: boolean;
  /** The caller's own reference for the job, if it gave one. */
  external_id: string | null;
  /** The management client that created it. */
  client_id: string | null;
  created_at: number;
  /** The last change or heartbeat of the node running it: a job not heard of for long was interrupted. */
  updated_at: number;
  /** When it completed or failed. */
  completed_at: number | null;
  summary: JobSummary;
  /** Why it failed. */
  status_details: string | null;
}

/** A change to a job that has not finished; errors are written once, when it ends. */
export interface JobUpdate {
  status: JobStatus;
  summary?: JobSummary;
  status_details?: string;
  errors?: ImportProblem[];
}

/** A user export (Auth0's users-exports job): what to export, for whom, and until when it can be downloaded. */
export interface UserExportRecord {
  /** `job_` and 16 random characters, as Auth0's. */
  id: string;
  /** The management client that created it: the only one that may download it. */
  client_id: string | null;
  /** Only this connection's users; null for every connection. */
  connection: string | null;
  format: 'json' | 'csv';
  /** The fields, in order, each with the name it is written under. */
  fields: { name: string; export_as: string }[];
  created_at: number;
  expires_at: number;
}
