/**
 * One dependency's outages (PostgreSQL, Redis), told to the log once rather than per request: a warning when it
 * becomes unreachable (with its host and the cause), one line per interval while it stays down (with how many
 * requests were answered meanwhile, and how many of them failed), one warning when it is back (with how long it
 * was away). A request that fails because of a known outage needs no log line of its own.
 */
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../storage/errors.ts';

/** How often a dependency that stays down is reported, and probed when a probe is given. */
export const OUTAGE_REPORT_INTERVAL_MS = 10_000;

/**
 * How long a dependency must go without a failure before an answer counts as its return. A database shutting down
 * answers a query on a connection it has not closed yet between two refusals; without this, such an outage would be
 * told as two.
 */
export const OUTAGE_SETTLE_MS = 1_000;

export interface OutageMonitorOptions {
  /** What the log calls it: "store" (PostgreSQL) or "cache" (Redis). */
  dependency: string;
  /** Where it is (host:port, never credentials). */
  host: string;
  log: Logger;
  /** Asked every interval while down, so a recovery is noticed with no request to notice it. */
  probe?: () => Promise<void>;
  intervalMs?: number;
  /** OUTAGE_SETTLE_MS unless given. */
  settleMs?: number;
}

/** The cause as one short line: an error's message, or its cause's when it only wraps one (no stack). */
export function causeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const inner = err.cause instanceof Error ? err.cause : undefined;
  const code = ((inner ?? err) as Error & { code?: unknown }).code;
  const message = inner?.message || (err instanceof AggregateError ? err.errors.map((e: Error) => e.message).join('; ') : '') || err.message;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** The host and port of a storage or cache URL, without the user, password or query. */
export function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}`;
  } catch {
    return 'unknown';
  }
}

/** A failure in the background, logged with its stack unless it is a known outage (told once by its OutageMonitor). */
export function logUnlessOutage(log: Logger, err: unknown, message: string): void {
  if (err instanceof StoreUnavailableError) log.debug({ cause: causeOf(err) }, message);
  else log.error({ err }, message);
}

export class OutageMonitor {
  readonly #options: OutageMonitorOptions;
  readonly #onRecovered: (() => void)[] = [];
  /** When the outage began (performance.now()), or undefined while the dependency answers. */
  #since: number | undefined;
  /** When the last failure of the outage was seen, and the last answer (performance.now()). */
  #lastFailure = 0;
  #lastAnswer = 0;
  /** Set while an answer waits for the settle time to pass without a failure. */
  #settling: NodeJS.Timeout | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Requests answered during the outage, in all and since the last report; and those of them that failed (5xx). */
  #requests = 0;
  #failed = 0;
  #reported = { requests: 0, failed: 0 };

  constructor(options: OutageMonitorOptions) {
    this.#options = options;
  }

  get down(): boolean {
    return this.#since !== undefined;
  }

  /** Runs `listener` each time the dependency answers again after an outage. */
  onRecovered(listener: () => void): void {
    this.#onRecovered.push(listener);
  }

  /** The dependency did not answer: announced when it is news. */
  failed(err?: unknown): void {
    this.#lastFailure = performance.now();
    if (this.#since !== undefined) return;
    this.#since = this.#lastFailure;
    this.#requests = this.#failed = 0;
    this.#reported = { requests: 0, failed: 0 };
    const { dependency, host, log } = this.#options;
    log.warn({ dependency, host, cause: causeOf(err) }, `${dependency} unreachable`);
    this.#timer = setInterval(() => this.#report(), this.#options.intervalMs ?? OUTAGE_REPORT_INTERVAL_MS).unref();
  }

  /** The dependency answered: announced, with the outage's length and counts, when it was down. Cheap when it was not. */
  answered(): void {
    if (this.#since === undefined) return;
    this.#lastAnswer = performance.now();
    this.#settle();
  }

  /**
   * Answers between failures of one outage do not end it: the outage ends once the settle time has passed since its
   * last failure with an answer after that failure (checked again when the time is up, so the last answers of a burst
   * still end it).
   */
  #settle(): void {
    if (this.#since === undefined || this.#lastAnswer <= this.#lastFailure) return;
    const wait = (this.#options.settleMs ?? OUTAGE_SETTLE_MS) - (performance.now() - this.#lastFailure);
    if (wait > 0) {
      this.#settling ??= setTimeout(() => { this.#settling = undefined; this.#settle(); }, wait).unref();
      return;
    }
    const downMs = Math.round(performance.now() - this.#since);
    this.#stop();
    const { dependency, host, log } = this.#options;
    log.warn({ dependency, host, down_ms: downMs, requests: this.#requests, failed: this.#failed }, `${dependency} reachable again after ${(downMs / 1000).toFixed(1)} s`);
    for (const listener of this.#onRecovered) listener();
  }

  /** A request was answered while the dependency is down (counted only then); `failed` when it got a 5xx. */
  request(failed: boolean): void {
    if (this.#since === undefined) return;
    this.#requests++;
    if (failed) this.#failed++;
  }

  #report(): void {
    const { dependency, host, log, probe } = this.#options;
    const downS = Math.round((performance.now() - this.#since!) / 1000);
    log.warn({
      dependency, host, down_s: downS, requests: this.#requests - this.#reported.requests, failed: this.#failed - this.#reported.failed,
    }, `${dependency} still unreachable after ${downS} s`);
    this.#reported = { requests: this.#requests, failed: this.#failed };
    probe?.().then(() => this.answered(), () => {});
  }

  #stop(): void {
    clearTimeout(this.#settling);
    this.#settling = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#since = undefined;
  }

  close(): void {
    clearTimeout(this.#settling);
    clearInterval(this.#timer);
  }
}
