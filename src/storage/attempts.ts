/** Token-bucket arithmetic every AttemptStore shares, so each backend only stores (tokens, updated_at). */
import type { BucketPolicy } from './interfaces.ts';

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
