/**
 * AttemptStore on PostgreSQL: every counter change is one INSERT ... ON CONFLICT DO UPDATE, which locks the row and
 * computes the new value from its latest version, so concurrent nodes never lose an increment.
 */
import type { AttemptStore, BucketPolicy, BucketResult, LoginBlockRecord, LoginFailureKey, LoginFailureState } from '../interfaces.ts';
import { FAILURE_RETENTION, bucketLevel, bucketResult, loginFailureState } from '../attempts.ts';
import type { Query } from './db.ts';

export class PostgresAttempts implements AttemptStore {
  readonly #query: Query;
  constructor(query: Query) {
    this.#query = query;
  }

  async getLoginFailures(key: LoginFailureKey, now: number): Promise<LoginFailureState | undefined> {
    const { rows } = await this.#query(`SELECT failures, blocked_at, block_expires_at FROM login_failures
      WHERE connection = $1 AND username = $2 AND ip = $3 AND (block_expires_at IS NULL OR block_expires_at > $4)`,
    [key.connection, key.username, key.ip, now]);
    return rows[0] && loginFailureState(rows[0]);
  }

  async addLoginFailure(key: LoginFailureKey, now: number, threshold: number, blockTtl: number | null): Promise<LoginFailureState> {
    // SET expressions read the row as it was, so "lapsed" and "failures + 1" see one consistent old state.
    const { rows } = await this.#query(`INSERT INTO login_failures AS f (connection, username, ip, failures, blocked_at, block_expires_at, last_failure_at)
      VALUES ($1, $2, $3, 1, CASE WHEN 1 >= $5::int THEN $4::bigint END, CASE WHEN 1 >= $5::int THEN $6::bigint END, $4::bigint)
      ON CONFLICT (connection, username, ip) DO UPDATE SET
        failures = CASE WHEN f.block_expires_at <= $4::bigint THEN 1 ELSE f.failures + 1 END,
        blocked_at = CASE
          WHEN f.block_expires_at <= $4::bigint THEN CASE WHEN 1 >= $5::int THEN $4::bigint END
          WHEN f.blocked_at IS NULL AND f.failures + 1 >= $5::int THEN $4::bigint
          ELSE f.blocked_at END,
        block_expires_at = CASE
          WHEN f.block_expires_at <= $4::bigint THEN CASE WHEN 1 >= $5::int THEN $6::bigint END
          WHEN f.blocked_at IS NULL AND f.failures + 1 >= $5::int THEN $6::bigint
          ELSE f.block_expires_at END,
        last_failure_at = $4::bigint
      RETURNING failures, blocked_at, block_expires_at`,
    [key.connection, key.username, key.ip, now, threshold, blockTtl === null ? null : now + blockTtl]);
    return loginFailureState(rows[0]!);
  }

  async resetLoginFailures(key: LoginFailureKey): Promise<void> {
    await this.#query('DELETE FROM login_failures WHERE connection = $1 AND username = $2 AND ip = $3', [key.connection, key.username, key.ip]);
  }

  async listLoginBlocks(filter: { connection?: string; username?: string }, now: number): Promise<LoginBlockRecord[]> {
    const { rows } = await this.#query(`SELECT * FROM login_failures WHERE blocked_at IS NOT NULL AND (block_expires_at IS NULL OR block_expires_at > $1)
      AND ($2::text IS NULL OR connection = $2) AND ($3::text IS NULL OR username = $3)
      ORDER BY blocked_at, connection, username, ip`, [now, filter.connection ?? null, filter.username ?? null]);
    return rows as unknown as LoginBlockRecord[];
  }

  async clearLoginFailures(filter: { connection: string; username: string; ip?: string }): Promise<number> {
    const result = await this.#query('DELETE FROM login_failures WHERE connection = $1 AND username = $2 AND ($3::text IS NULL OR ip = $3)',
      [filter.connection, filter.username, filter.ip ?? null]);
    return result.rowCount;
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

  /** Counters nobody can hit any more: full buckets, lapsed blocks, and failures left alone for FAILURE_RETENTION. */
  async purge(query: Query, now: number): Promise<number> {
    const buckets = await query('DELETE FROM buckets WHERE full_at <= $1', [now]);
    const failures = await query(`DELETE FROM login_failures WHERE block_expires_at <= $1
      OR (blocked_at IS NULL AND last_failure_at <= $2)`, [now, now - FAILURE_RETENTION]);
    return buckets.rowCount + failures.rowCount;
  }
}
