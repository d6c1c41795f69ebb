/**
 * WAL checkpoints on a thread of their own, for a node's store. SQLite's automatic checkpoint runs inside the COMMIT
 * that takes the WAL past `wal_autocheckpoint` pages, on the event loop: that request copies the WAL's pages back
 * into the database file and syncs both files, and every request behind it waits. Here a worker thread with its own
 * connection runs a PASSIVE checkpoint (which never blocks a reader or a writer) every INTERVAL_MS instead. The
 * event loop's connection keeps an automatic checkpoint only as a backstop, at BACKSTOP_PAGES: under unbroken writes
 * the WAL can start over only after a checkpoint that no commit overlapped, which the backstop provides, and it
 * finds little left to copy.
 *
 * Durability does not change: WAL with synchronous=NORMAL either way (a committed write survives a crash of the
 * process; a power loss may lose the last commits, never the database's consistency).
 */
import { Worker } from 'node:worker_threads';

const INTERVAL_MS = 100;
/** 4 KiB pages: a WAL of at most about 40 MiB. */
export const BACKSTOP_PAGES = 10_000;

export class BackgroundCheckpoints {
  readonly #worker: Worker;
  readonly #exited: Promise<unknown>;

  /** Checkpoints the WAL of the database file at `path` until stop(). */
  constructor(path: string) {
    this.#worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData: { path, intervalMs: INTERVAL_MS } });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    // A worker that failed leaves the checkpoints to the backstop; it never takes the process down.
    this.#worker.on('error', () => {});
    this.#worker.unref();
  }

  /** Ends the worker once its checkpoint under way, if any, is done. */
  async stop(): Promise<void> {
    // Referenced again, so the process waits for the worker's exit rather than ending with the close unsettled.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}
