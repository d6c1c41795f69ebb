/**
 * Background housekeeping, so the store stays bounded: expired and revoked records, events and finished jobs past
 * their retention; and import jobs whose node went silent are declared failed (management/import-jobs.ts).
 */
import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import { failStaleJobs } from './management/import-jobs.ts';
import type { Store } from './storage/store.ts';
import { logUnlessOutage } from './observability/outages.ts';

const DAY = 86_400;

/** One run at `at` (unix seconds); returns how many records went. */
export async function housekeep(store: Store, config: Pick<Config, 'events' | 'management'>, at: number): Promise<number> {
  const counts = await Promise.all([
    store.purge(at),
    store.events.purgeEvents(at - config.events.retention_days * DAY),
    store.jobs.purgeJobs(at - config.management.job_retention_days * DAY),
    store.exports.purgeExports(at),
    failStaleJobs(store, at).then(() => 0),
  ]);
  return counts.reduce((sum, n) => sum + n, 0);
}

/** Runs `housekeep` every housekeeping.interval seconds until the timer is cleared; failures are logged, not thrown. */
export function startHousekeeping(store: Store, config: Config, now: () => number, log: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    housekeep(store, config, now()).then(
      (purged) => { if (purged > 0) log.debug({ purged }, 'housekeeping purge'); },
      (err: unknown) => logUnlessOutage(log, err, 'housekeeping purge failed'),
    );
  }, config.housekeeping.interval * 1000);
  timer.unref();
  return timer;
}
