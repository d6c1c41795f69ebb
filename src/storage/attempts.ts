/** Token-bucket arithmetic every AttemptStore shares, so each backend only stores (tokens, updated_at). */
import type { BucketPolicy, BucketResult, LoginFailureState } from '../model/attempts.ts';

/** Failures below the threshold are forgotten after 30 days without another one. */
export const FAILURE_RETENTION = 30 * 86_400;

/** Tokens in the bucket at `now`; a bucket never seen is full. */
export function bucketLevel(row: { tokens: number; updated_at: number } | undefined, now: number, policy: BucketPolicy): number {
  if (!row) return policy.capacity;
  return Math.min(policy.capacity, row.tokens + Math.max(0, now - row.updated_at) * policy.refill_per_second);
}

/**
 * Whole seconds until the bucket holds one token again (RFC 9110 §10.2.3 Retry-After). The epsilon absorbs
 * floating-point noise: (1 - 863/864) / (1/864) is 1.00000000000003, and must say 1 second, not 2.
 */
export function bucketRetryAfter(level: number, policy: BucketPolicy): number {
  return Math.max(1, Math.ceil((1 - level) / policy.refill_per_second - 1e-9));
}

/** The answer for a bucket holding `level` tokens: allowed, or when to come back. */
export function bucketResult(level: number, policy: BucketPolicy): BucketResult {
  return level >= 1 ? { allowed: true, retry_after: 0 } : { allowed: false, retry_after: bucketRetryAfter(level, policy) };
}

/** A login_failures row (SQLite or PostgreSQL) as the state AttemptStore returns. */
export function loginFailureState(row: Record<string, unknown>): LoginFailureState {
  return { failures: row.failures as number, blocked_at: row.blocked_at as number | null, block_expires_at: row.block_expires_at as number | null };
}
