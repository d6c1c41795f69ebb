/**
 * Sizing libuv's thread pool, where argon2id verifications and WebCrypto signatures run. libuv reads
 * UV_THREADPOOL_SIZE once, when the pool first starts (its first hash, signature, async file read or DNS lookup),
 * and its default is 4 threads whatever the machine: on 16 cores a process would hash on 4 of them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** libuv's own default, kept as the floor: the pool also serves DNS lookups and file reads, which must not queue behind hashes. */
const LIBUV_DEFAULT = 4;

/**
 * Threads per process: `thread_pool_size` when set, else UV_THREADPOOL_SIZE when the operator set it, else the
 * cores shared among the workers (so the workers' pools together cover every core), at least libuv's default.
 */
export function threadPoolSize(setting: 'auto' | number, workers: number, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  if (setting !== 'auto') return setting;
  const fromEnv = Number(env.UV_THREADPOOL_SIZE);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(LIBUV_DEFAULT, Math.ceil(cores / workers));
}

/** Processes `tollgate serve` runs: `workers` when set; auto is one per core on PostgreSQL, one on SQLite (one writer at a time). */
export function workerCount(setting: 'auto' | number, storage: string, cores = availableParallelism()): number {
  if (setting !== 'auto') return setting;
  return storage.startsWith('sqlite:') ? 1 : cores;
}

/**
 * The libuv pool threads a process runs, where the system can tell (Linux names them "libuv-worker"); 0 before
 * the pool has started; undefined where /proc is not there.
 */
export function poolThreads(pid: number | 'self' = 'self'): number | undefined {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.filter((task) => {
      try {
        return readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').startsWith('libuv-worker');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return undefined;
  }
}
