/** Attack protection's state: brute-force keys, counters and blocks, slots, token buckets. */

/**
 * Brute-force counters. The key's username is the canonical (lower-case) name of the account, or the
 * lower-cased login of an unknown one, so probing is counted like guessing; `ip` is "*" in per-account mode.
 */
export interface LoginFailureKey {
  connection: string;
  username: string;
  ip: string;
}

export interface LoginFailureState {
  failures: number;
  /** Unix seconds at which the threshold was reached; null while below it. */
  blocked_at: number | null;
  /** When the block lapses by itself (block_ttl); null means until an operator or a password change clears it. */
  block_expires_at: number | null;
}

export interface LoginBlockRecord extends LoginFailureKey, LoginFailureState {
  last_failure_at: number;
}

export interface BucketPolicy {
  capacity: number;
  refill_per_second: number;
}

export interface BucketResult {
  allowed: boolean;
  /** Seconds until the bucket holds a whole token again (0 when allowed). */
  retry_after: number;
}

/**
 * A reservation's answer: `reserved` holds one of the key's slots until it is released or turned into a failure;
 * `blocked` is a block in force (or at least `threshold` failures under a threshold since lowered); `full` means
 * every slot is in use.
 */
export interface SlotReservation {
  outcome: 'reserved' | 'blocked' | 'full';
}
