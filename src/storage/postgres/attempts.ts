/**
 * AttemptStore on PostgreSQL: every counter change is one INSERT ... ON CONFLICT DO UPDATE, which locks the row and
 * computes the new value from its latest version, so concurrent nodes never lose an increment.
 */
import type { AttemptStore } from '../slices/attempts.ts';
import type { BucketPolicy, BucketResult } from '../../model/attempts.ts';
import { FAILURE_RETENTION, bucketLevel, bucketResult } from '../attempts.ts';
import { PURGEABLE_LOGIN_FAILURES, SqlLoginFailures } from '../login-failures-sql.ts';
import type { RunSql } from '../portable-sql.ts';
import type { Query } from './db.ts';

export class PostgresAttempts extends SqlLoginFailures implements AttemptStore {
  readonly #query: Query;
  constructor(query: Query, run: RunSql) {
    super(run);
    this.#query = query;
  }

  async takeFromBucket(bucket: string, cost: 0 | 1, now: number, policy: BucketPolicy): Promise<BucketResult> {
    if (cost === 1) {
      // floor() where SQLite's CAST(... AS INTEGER) truncates: the same for these positive values.
      const taken = await this.#query(`INSERT INTO buckets AS b (name, tokens, updated_at, full_at)
        VALUES ($1, $2::float8 - 1, $3::bigint, $3::bigint + floor(1 / $4::float8)::bigint + 1)
        ON CONFLICT (name) DO UPDATE SET
          tokens = LEAST($2::float8, b.tokens + ($3::bigint - b.updated_at) * $4::float8) - 1,
          updated_at = $3::bigint,
          full_at = $3::bigint + floor(($2::float8 - LEAST($2::float8, b.tokens + ($3::bigint - b.updated_at) * $4::float8) + 1) / $4::float8)::bigint + 1
        WHERE LEAST($2::float8, b.tokens + ($3::bigint - b.updated_at) * $4::float8) >= 1
        RETURNING tokens`, [bucket, policy.capacity, now, policy.refill_per_second]);
      if (taken.rowCount === 1) return { allowed: true, retry_after: 0 };
    }
    const { rows } = await this.#query('SELECT tokens, updated_at FROM buckets WHERE name = $1', [bucket]);
    const level = bucketLevel(rows[0] as { tokens: number; updated_at: number } | undefined, now, policy);
    return bucketResult(level, policy);
  }

  /** A bucket with no row is full: one the token fills again is deleted, so a login that spends nothing leaves no row. */
  async giveBackToBucket(bucket: string, now: number, policy: BucketPolicy): Promise<void> {
    const full = await this.#query(`DELETE FROM buckets AS b WHERE name = $1 AND b.tokens + ($3::bigint - b.updated_at) * $4::float8 + 1 >= $2::float8`,
      [bucket, policy.capacity, now, policy.refill_per_second]);
    if (full.rowCount === 1) return;
    await this.#query(`UPDATE buckets AS b SET
        tokens = LEAST($2::float8, b.tokens + ($3::bigint - b.updated_at) * $4::float8 + 1),
        updated_at = $3::bigint,
        full_at = $3::bigint + floor(($2::float8 - LEAST($2::float8, b.tokens + ($3::bigint - b.updated_at) * $4::float8 + 1)) / $4::float8)::bigint + 1
      WHERE name = $1`, [bucket, policy.capacity, now, policy.refill_per_second]);
  }

  /** Counters nobody can hit any more: full buckets, lapsed blocks, idle keys, and failures left alone for FAILURE_RETENTION. */
  async purge(query: Query, now: number): Promise<number> {
    const buckets = await query('DELETE FROM buckets WHERE full_at <= $1', [now]);
    const failures = await query(`DELETE FROM login_failures WHERE ${PURGEABLE_LOGIN_FAILURES}`, [now, now - FAILURE_RETENTION]);
    return buckets.rowCount + failures.rowCount;
  }
}
