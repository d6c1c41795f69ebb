/**
 * Brute-force counters, slots and blocks (LoginFailureStore), written once for SQLite and PostgreSQL with $n
 * parameters. Every change is one statement on the key's row: SQLite runs it under its single writer, and
 * PostgreSQL's INSERT ... ON CONFLICT DO UPDATE locks the row and judges its WHERE and SET against the row's latest
 * version, so concurrent nodes never overdraw a slot or lose a failure.
 *
 * A row holds the key's consecutive `failures`, its block, and `slots`: verifications admitted and not yet finished,
 * all lapsing at `slots_expire_at` (each admission renews it), so a node that died holding some gives them back.
 */
import type { LoginBlockRecord, LoginFailureKey, LoginFailureState, SlotReservation } from '../model/attempts.ts';
import type { LoginFailureStore } from './slices/attempts.ts';
import { loginFailureState } from './attempts.ts';
import type { RunSql } from './portable-sql.ts';

const KEY = 'connection = $1 AND username = $2 AND ip = $3';
/** The row's failures at $4 (a lapsed block counts from zero again) and its slots still leased at $4. */
const FAILURES_NOW = 'CASE WHEN f.block_expires_at <= $4 THEN 0 ELSE f.failures END';
const SLOTS_NOW = 'CASE WHEN f.slots_expire_at > $4 THEN f.slots ELSE 0 END';

const RESERVE = `INSERT INTO login_failures AS f (connection, username, ip, failures, last_failure_at, slots, slots_expire_at)
  VALUES ($1, $2, $3, 0, CAST($4 AS BIGINT), 1, CAST($6 AS BIGINT))
  ON CONFLICT (connection, username, ip) DO UPDATE SET
    failures = ${FAILURES_NOW},
    blocked_at = CASE WHEN f.block_expires_at <= $4 THEN NULL ELSE f.blocked_at END,
    block_expires_at = CASE WHEN f.block_expires_at <= $4 THEN NULL ELSE f.block_expires_at END,
    slots = ${SLOTS_NOW} + 1,
    slots_expire_at = $6
  WHERE (f.blocked_at IS NULL OR f.block_expires_at <= $4) AND ${FAILURES_NOW} + ${SLOTS_NOW} < CAST($5 AS INTEGER)
  RETURNING slots`;

// SET expressions read the row as it was, so "lapsed" and "failures + 1" see one consistent old state.
const ADD_FAILURE = `INSERT INTO login_failures AS f (connection, username, ip, failures, blocked_at, block_expires_at, last_failure_at)
  VALUES ($1, $2, $3, 1, CASE WHEN 1 >= CAST($5 AS INTEGER) THEN CAST($4 AS BIGINT) END, CASE WHEN 1 >= $5 THEN CAST($6 AS BIGINT) END, $4)
  ON CONFLICT (connection, username, ip) DO UPDATE SET
    failures = CASE WHEN f.block_expires_at <= $4 THEN 1 ELSE f.failures + 1 END,
    blocked_at = CASE
      WHEN f.block_expires_at <= $4 THEN CASE WHEN 1 >= $5 THEN $4 END
      WHEN f.blocked_at IS NULL AND f.failures + 1 >= $5 THEN $4
      ELSE f.blocked_at END,
    block_expires_at = CASE
      WHEN f.block_expires_at <= $4 THEN CASE WHEN 1 >= $5 THEN $6 END
      WHEN f.blocked_at IS NULL AND f.failures + 1 >= $5 THEN $6
      ELSE f.block_expires_at END,
    last_failure_at = $4,
    slots = CASE WHEN ${SLOTS_NOW} > 0 THEN f.slots - 1 ELSE 0 END
  RETURNING failures, blocked_at, block_expires_at`;

/** A right password resets the count, unless a block has begun meanwhile: only an operator or a password change lifts one. */
const release = (reset: boolean) => `UPDATE login_failures AS f SET
    slots = CASE WHEN ${SLOTS_NOW} > 0 THEN f.slots - 1 ELSE 0 END${reset ? `,
    failures = CASE WHEN f.blocked_at IS NULL THEN 0 ELSE f.failures END` : ''}
  WHERE ${KEY}`;

const STATE = `SELECT failures, blocked_at, block_expires_at FROM login_failures WHERE ${KEY}`;

export class SqlLoginFailures implements LoginFailureStore {
  readonly #run: RunSql;
  constructor(run: RunSql) {
    this.#run = run;
  }

  async getLoginFailures(key: LoginFailureKey, now: number): Promise<LoginFailureState | undefined> {
    const [row] = await this.#run(`SELECT failures, blocked_at, block_expires_at FROM login_failures
      WHERE ${KEY} AND failures > 0 AND (block_expires_at IS NULL OR block_expires_at > $4)`, [key.connection, key.username, key.ip, now]);
    return row && loginFailureState(row);
  }

  async reserveLoginSlot(key: LoginFailureKey, now: number, threshold: number, lease: number): Promise<SlotReservation> {
    const params = [key.connection, key.username, key.ip, now, threshold, now + lease];
    if ((await this.#run(RESERVE, params)).length === 1) return { outcome: 'reserved' };
    // Refused: read why (a second statement only on this path, so an admission costs one round trip).
    const [row] = await this.#run(STATE, params.slice(0, 3));
    if (row === undefined) return { outcome: 'full' };
    const lapsed = row.block_expires_at !== null && (row.block_expires_at as number) <= now;
    const failures = lapsed ? 0 : row.failures as number;
    return { outcome: (row.blocked_at !== null && !lapsed) || failures >= threshold ? 'blocked' : 'full' };
  }

  async addLoginFailure(key: LoginFailureKey, now: number, threshold: number, blockTtl: number | null): Promise<LoginFailureState> {
    const [row] = await this.#run(ADD_FAILURE, [key.connection, key.username, key.ip, now, threshold, blockTtl === null ? null : now + blockTtl]);
    return loginFailureState(row!);
  }

  /**
   * A key left with nothing to keep (no failure after this release, no block, no other slot) is deleted, in the one
   * statement an uncontended login needs; otherwise its slot count goes down. The DELETE's condition is judged on the
   * row as it is when the statement runs, so it never takes away another login's slot.
   */
  async releaseLoginSlot(key: LoginFailureKey, now: number, reset: boolean): Promise<void> {
    const params = [key.connection, key.username, key.ip, now];
    const deleted = await this.#run(`DELETE FROM login_failures AS f
      WHERE ${KEY} AND f.blocked_at IS NULL${reset ? '' : ' AND f.failures = 0'} AND ${SLOTS_NOW} <= 1 RETURNING 1`, params);
    if (deleted.length === 0) await this.#run(release(reset), params);
  }

  async listLoginBlocks(filter: { connection?: string; username?: string }, now: number): Promise<LoginBlockRecord[]> {
    const rows = await this.#run(`SELECT connection, username, ip, failures, blocked_at, block_expires_at, last_failure_at FROM login_failures
      WHERE blocked_at IS NOT NULL AND (block_expires_at IS NULL OR block_expires_at > $1)
      AND (CAST($2 AS TEXT) IS NULL OR connection = $2) AND (CAST($3 AS TEXT) IS NULL OR username = $3)
      ORDER BY blocked_at, connection, username, ip`, [now, filter.connection ?? null, filter.username ?? null]);
    return rows as unknown as LoginBlockRecord[];
  }

  /** Sets the failures back to zero rather than deleting the rows, so slots in use stay counted. */
  async clearLoginFailures(filter: { connection: string; username: string; ip?: string }): Promise<number> {
    const rows = await this.#run(`UPDATE login_failures SET failures = 0, blocked_at = NULL, block_expires_at = NULL
      WHERE connection = $1 AND username = $2 AND (CAST($3 AS TEXT) IS NULL OR ip = $3) AND failures > 0 RETURNING 1`,
    [filter.connection, filter.username, filter.ip ?? null]);
    return rows.length;
  }
}

/**
 * The purge's condition for login_failures rows ($1 now, $2 now - FAILURE_RETENTION): no slot in use, and a lapsed
 * block, no failure at all, or failures left alone for FAILURE_RETENTION.
 */
export const PURGEABLE_LOGIN_FAILURES = `slots_expire_at <= $1 AND (block_expires_at <= $1
  OR (blocked_at IS NULL AND (failures = 0 OR last_failure_at <= $2)))`;
