/**
 * The cluster primary of `tollgate serve --workers N`: it forks the workers, which share its listening socket
 * (node:cluster hands each accepted connection to a worker in turn), restarts a worker that dies, keeps the
 * request rate limit's buckets for all of them (rate-limit.ts), and passes SIGTERM and SIGINT on, so that
 * stopping the primary drains every worker as one node drains (docs/deployment.md). It opens no store and
 * serves no request.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { RateCounter } from '../protection/rate-limit.ts';
import { answerRateLimits } from './rate-limit.ts';
import { SIGNAL_MESSAGE, isListeningMessage } from './messages.ts';

/** The first restart of a worker that crashed waits this long, doubling for each crash soon after a start. */
const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before dying was healthy: its next restart waits the minimum again. */
const HEALTHY_AFTER_MS = 10_000;

/**
 * When to restart a worker that died after `livedMs`, having died `crashes` times in a row before, each soon after
 * its start: at once after a healthy run, then twice as long for each crash in a row (100 ms, 200 ms, ... 30 s).
 */
export function restartDelay(crashes: number, livedMs: number): { crashes: number; delay: number } {
  const inARow = livedMs >= HEALTHY_AFTER_MS ? 1 : crashes + 1;
  return { crashes: inARow, delay: Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (inARow - 1)) };
}

export interface PrimaryOptions {
  workers: number;
  threadPoolSize: number;
  /** The worker's command line after the program: `serve --config FILE --port N --host H`. */
  args: string[];
  log: Logger;
  /** The buckets of the request rate limit every worker asks (unused by workers with a cache). */
  rateCounter: RateCounter;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  listening: boolean;
  startedAt: number;
  /** Crashes in a row, each within HEALTHY_AFTER_MS of its start. */
  crashes: number;
  restart: NodeJS.Timeout | undefined;
}

class WorkerExited extends Error {
  readonly code: number;
  constructor(slot: number, code: number | null, signal: string | null) {
    super(`worker ${slot} exited (${signal ?? `code ${code}`}) before it listened`);
    this.code = code !== null && code !== 0 ? code : 1;
  }
}

export class Primary {
  readonly #options: PrimaryOptions;
  readonly #slots: Slot[];
  /** Set once every worker has listened: from then on a worker that exits is restarted. */
  #running = false;
  #stopping = false;
  #exitCodes: (number | null)[] = [];
  #allExited: (() => void) | undefined;
  #finished: Promise<number> | undefined;

  constructor(options: PrimaryOptions) {
    this.#options = options;
    this.#slots = Array.from({ length: options.workers }, (_, i) => ({ index: i + 1, worker: undefined, listening: false, startedAt: 0, crashes: 0, restart: undefined }));
    cluster.setupPrimary({ args: options.args });
  }

  /**
   * Starts the workers: the first alone, so that migrations, the first signing keys and the configuration's records
   * are written once, then the others together. Resolves to the URL they listen on; rejects (after stopping the
   * others) when a worker exits before it listens, with that worker's exit code.
   */
  async start(): Promise<string> {
    const [first, ...others] = this.#slots;
    try {
      const url = await this.#fork(first!);
      await Promise.all(others.map((slot) => this.#fork(slot)));
      this.#running = true;
      return url;
    } catch (err) {
      await this.stop('SIGINT');
      throw err;
    }
  }

  /** Passes `signal` on to every worker; resolves to 0 once all have exited with 0, else 1. Called again, passes the next signal on. */
  stop(signal: NodeJS.Signals): Promise<number> {
    this.#stopping = true;
    for (const slot of this.#slots) {
      clearTimeout(slot.restart);
      const worker = slot.worker;
      if (!worker || worker.isDead()) continue;
      // A worker not yet listening has accepted nothing: it is ended outright. One listening drains (serve.ts).
      if (slot.listening && worker.isConnected()) worker.send({ tollgate: SIGNAL_MESSAGE, signal });
      else worker.process.kill('SIGTERM');
    }
    this.#finished ??= new Promise((resolve) => {
      this.#allExited = () => resolve(this.#exitCodes.every((code) => code === 0) ? 0 : 1);
    });
    this.#settleWhenAllExited();
    return this.#finished;
  }

  #settleWhenAllExited(): void {
    if (this.#slots.every((slot) => !slot.worker || slot.worker.isDead())) this.#allExited?.();
  }

  #fork(slot: Slot): Promise<string> {
    const worker = cluster.fork({ UV_THREADPOOL_SIZE: String(this.#options.threadPoolSize) });
    Object.assign(slot, { worker, listening: false, startedAt: Date.now() });
    answerRateLimits(worker, this.#options.rateCounter);
    return new Promise((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (!isListeningMessage(message)) return;
        slot.listening = true;
        resolve(message.url);
      });
      worker.once('exit', (code, signal) => {
        if (!slot.listening) reject(new WorkerExited(slot.index, code, signal));
        this.#exited(slot, worker, code, signal);
      });
    });
  }

  #exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (this.#stopping) {
      this.#exitCodes.push(code);
      this.#settleWhenAllExited();
      return;
    }
    // While starting, a worker that exits fails the start (start() stops the others).
    if (!this.#running) return;
    const lived = Date.now() - slot.startedAt;
    const { crashes, delay } = restartDelay(slot.crashes, lived);
    slot.crashes = crashes;
    this.#options.log.error(
      { worker: slot.index, pid: worker.process.pid, code, signal, lived_ms: lived, restart_in_ms: delay },
      `worker ${slot.index} exited (${signal ?? `code ${code}`}); restarting it in ${delay} ms`,
    );
    slot.restart = setTimeout(() => {
      this.#fork(slot).then(
        () => this.#options.log.info({ worker: slot.index, pid: slot.worker?.process.pid }, `worker ${slot.index} restarted`),
        // Its exit has scheduled the next attempt already, further apart.
        () => {},
      );
    }, delay);
  }
}
