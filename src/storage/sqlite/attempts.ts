/** AttemptStore on SQLite: every counter change is one upsert, atomic on the single writer. */
import type { StatementSync } from 'node:sqlite';
import type { AttemptStore, BucketPolicy, BucketResult, LoginBlockRecord, LoginFailureKey, LoginFailureState } from '../interfaces.ts';
import { FAILURE_RETENTION, bucketLevel, bucketResult, loginFailureState } from '../attempts.ts';

type Prepare = (sql: string) => StatementSync;

export class SqliteAttempts implements AttemptStore {
  readonly #sql: Prepare;
  constructor(sql: Prepare) {
    this.#sql = sql;
  }

  async getLoginFailures(key: LoginFailureKey, now: number): Promise<LoginFailureState | undefined> {
    const row = this.#sql(`SELECT failures, blocked_at, block_expires_at FROM login_failures
      WHERE connection = ? AND username = ? AND ip = ? AND (block_expires_at IS NULL OR block_expires_at > ?)`)
      .get(key.connection, key.username, key.ip, now);
    return row ? loginFailureState(row) : undefined;
  }

  async addLoginFailure(key: LoginFailureKey, now: number, threshold: number, blockTtl: number | null): Promise<LoginFailureState> {
    // SET expressions read the row as it was, so "lapsed" and "failures + 1" see one consistent old state.
    const row = this.#sql(`INSERT INTO login_failures (connection, username, ip, failures, blocked_at, block_expires_at, last_failure_at)
      VALUES (:connection, :username, :ip, 1, CASE WHEN 1 >= :threshold THEN :now END, CASE WHEN 1 >= :threshold THEN :expires END, :now)
      ON CONFLICT (connection, username, ip) DO UPDATE SET
        failures = CASE WHEN block_expires_at <= :now THEN 1 ELSE failures + 1 END,
        blocked_at = CASE
          WHEN block_expires_at <= :now THEN CASE WHEN 1 >= :threshold THEN :now END
          WHEN blocked_at IS NULL AND failures + 1 >= :threshold THEN :now
          ELSE blocked_at END,
        block_expires_at = CASE
          WHEN block_expires_at <= :now THEN CASE WHEN 1 >= :threshold THEN :expires END
          WHEN blocked_at IS NULL AND failures + 1 >= :threshold THEN :expires
          ELSE block_expires_at END,
        last_failure_at = :now
      RETURNING failures, blocked_at, block_expires_at`)
      .get({ ...key, threshold, now, expires: blockTtl === null ? null : now + blockTtl });
    return loginFailureState(row!);
  }

  async resetLoginFailures(key: LoginFailureKey): Promise<void> {
    this.#sql('DELETE FROM login_failures WHERE connection = ? AND username = ? AND ip = ?').run(key.connection, key.username, key.ip);
  }

  async listLoginBlocks(filter: { connection?: string; username?: string }, now: number): Promise<LoginBlockRecord[]> {
    return this.#sql(`SELECT * FROM login_failures WHERE blocked_at IS NOT NULL AND (block_expires_at IS NULL OR block_expires_at > :now)
      AND (:connection IS NULL OR connection = :connection) AND (:username IS NULL OR username = :username)
      ORDER BY blocked_at, connection, username, ip`)
      .all({ now, connection: filter.connection ?? null, username: filter.username ?? null }) as unknown as LoginBlockRecord[];
  }

  async clearLoginFailures(filter: { connection: string; username: string; ip?: string }): Promise<number> {
    const result = this.#sql('DELETE FROM login_failures WHERE connection = :connection AND username = :username AND (:ip IS NULL OR ip = :ip)')
      .run({ connection: filter.connection, username: filter.username, ip: filter.ip ?? null });
    return Number(result.changes);
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

  /** Counters nobody can hit any more: full buckets, lapsed blocks, and failures left alone for FAILURE_RETENTION. */
  purge(now: number): number {
    const buckets = this.#sql('DELETE FROM buckets WHERE full_at <= ?').run(now);
    const failures = this.#sql(`DELETE FROM login_failures WHERE block_expires_at <= ?
      OR (blocked_at IS NULL AND last_failure_at <= ?)`).run(now, now - FAILURE_RETENTION);
    return Number(buckets.changes) + Number(failures.changes);
  }
}
