/**
 * Falling back to the SQL store while Redis is unreachable. The first failure of an outage emits
 * `cache.unavailable` and the first answer after it `cache.recovered`, once each however many calls fail; the
 * log hears of it through an OutageMonitor (once each way, and once an interval meanwhile).
 * Only unavailability falls back; if the store fails too, its error propagates (503), so protection never
 * lets a request through uncounted.
 */
import type { AuditLog } from '../events/audit.ts';
import type { OutageMonitor } from '../observability/outages.ts';
import { isUnavailable } from './redis.ts';

export class CacheOutage {
  readonly #audit: AuditLog;
  readonly monitor: OutageMonitor;
  /** The recovery under way (announcing it), which callers in the meantime wait for. */
  #recovering: Promise<void> | undefined;

  constructor(deps: { audit: AuditLog; monitor: OutageMonitor }) {
    this.#audit = deps.audit;
    this.monitor = deps.monitor;
  }

  /** Redis did not answer: announces the outage if it is news. */
  async failed(err?: unknown): Promise<void> {
    if (this.monitor.down) return;
    this.monitor.failed(err);
    await this.#audit.emit({ type: 'cache.unavailable', outcome: 'failure', reason: 'redis_unreachable' });
  }

  /** Redis answered: announces the recovery if it was down; every caller meanwhile waits until that is done. */
  async answered(): Promise<void> {
    if (this.monitor.down) {
      this.monitor.answered();
      this.#recovering = this.#audit.emit({ type: 'cache.recovered', outcome: 'success', reason: 'redis_answered' })
        .finally(() => { this.#recovering = undefined; });
    }
    if (this.#recovering) await this.#recovering;
  }

  /** `cached()`, or `fallback()` when Redis is unreachable; other errors propagate. */
  async run<T>(cached: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await cached();
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      await this.failed(err);
      return fallback();
    }
    await this.answered();
    return result;
  }
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;
type AsyncMethodsOf<T> = { [K in keyof T]: T[K] extends AsyncMethod ? K : never }[keyof T];

/** The methods `names` of `cached`, each falling back to the same method of `fallback` while Redis is unreachable. */
export function withFallback<T, K extends AsyncMethodsOf<T>>(cached: T, fallback: T, names: readonly K[], outage: CacheOutage): Pick<T, K> {
  const call = (target: T, name: K, args: unknown[]) => (target[name] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
  return Object.fromEntries(names.map((name) => [name, (...args: unknown[]) => outage.run(() => call(cached, name, args), () => call(fallback, name, args))])) as Pick<T, K>;
}
