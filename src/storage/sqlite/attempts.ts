/** AttemptStore on SQLite: every counter change is one statement, atomic on the single writer. */
import type { StatementSync } from 'node:sqlite';
import type { AttemptStore } from '../slices/attempts.ts';
import type { BucketPolicy, BucketResult } from '../../model/attempts.ts';
import { FAILURE_RETENTION, bucketLevel, bucketResult } from '../attempts.ts';
import { PURGEABLE_LOGIN_FAILURES, SqlLoginFailures } from '../login-failures-sql.ts';
import type { RunSql } from '../portable-sql.ts';

type Prepare = (sql: string) => StatementSync;

export class SqliteAttempts extends SqlLoginFailures implements AttemptStore {
  readonly #sql: Prepare;
  constructor(sql: Prepare, run: RunSql) {
    super(run);
    this.#sql = sql;
  }

  async takeFromBucket(bucket: string, cost: 0 | 1, now: number, policy: BucketPolicy): Promise<BucketResult> {
    const read = () => this.#sql('SELECT tokens, updated_at FROM buckets WHERE name = ?').get(bucket) as { tokens: number; updated_at: number } | undefined;
    if (cost === 1) {
      const { capacity, refill_per_second: rate } = policy;
      const taken = this.#sql(`INSERT INTO buckets (name, tokens, updated_at, full_at) VALUES (:bucket, :capacity - 1, :now, :now + CAST(1 / :rate AS INTEGER) + 1)
        ON CONFLICT (name) DO UPDATE SET
          tokens = MIN(:capacity, tokens + (:now - updated_at) * :rate) - 1,
          updated_at = :now,
          full_at = :now + CAST((:capacity - MIN(:capacity, tokens + (:now - updated_at) * :rate) + 1) / :rate AS INTEGER) + 1
        WHERE MIN(:capacity, tokens + (:now - updated_at) * :rate) >= 1
        RETURNING tokens`).get({ bucket, capacity, rate, now });
      if (taken) return { allowed: true, retry_after: 0 };
    }
    const level = bucketLevel(read(), now, policy);
    return bucketResult(level, policy);
  }

  /** A bucket with no row is full: one the token fills again is deleted, so a login that spends nothing leaves no row. */
  async giveBackToBucket(bucket: string, now: number, policy: BucketPolicy): Promise<void> {
    const { capacity, refill_per_second: rate } = policy;
    const full = this.#sql('DELETE FROM buckets WHERE name = :bucket AND tokens + (:now - updated_at) * :rate + 1 >= :capacity')
      .run({ bucket, capacity, rate, now });
    if (Number(full.changes) === 1) return;
    this.#sql(`UPDATE buckets SET
        tokens = MIN(:capacity, tokens + (:now - updated_at) * :rate + 1),
        updated_at = :now,
        full_at = :now + CAST((:capacity - MIN(:capacity, tokens + (:now - updated_at) * :rate + 1)) / :rate AS INTEGER) + 1
      WHERE name = :bucket`).run({ bucket, capacity, rate, now });
  }

  /** Counters nobody can hit any more: full buckets, lapsed blocks, idle keys, and failures left alone for FAILURE_RETENTION. */
  purge(now: number): number {
    const buckets = this.#sql('DELETE FROM buckets WHERE full_at <= ?').run(now);
    const failures = this.#sql(`DELETE FROM login_failures WHERE ${PURGEABLE_LOGIN_FAILURES.replace(/\$(\d)/g, '?$1')}`).run(now, now - FAILURE_RETENTION);
    return Number(buckets.changes) + Number(failures.changes);
  }
}
