import type { BucketPolicy, BucketResult, LoginBlockRecord, LoginFailureKey, LoginFailureState, SlotReservation } from '../../model/attempts.ts';

/**
 * Brute-force counters, slots and blocks, in the SQL store only: it is the authority for blocks (a cache may lose
 * its data; a block must not be lost with it), and one conditional write per admission is cheap beside the password hash it guards.
 */
export interface LoginFailureStore {
  /** The key's counter; undefined when it holds no failure, or its block has lapsed at `now`. */
  getLoginFailures(key: LoginFailureKey, now: number): Promise<LoginFailureState | undefined>;
  /**
   * Admission to one password verification, in one atomic conditional write: a slot is taken only while the key is
   * not blocked and failures + slots in use < `threshold`, so however many callers race, at most `threshold`
   * verifications run before the block. The slot lapses at `now + lease` (renewed by every later reservation of the key).
   */
  reserveLoginSlot(key: LoginFailureKey, now: number, threshold: number, lease: number): Promise<SlotReservation>;
  /**
   * A wrong password (or unknown user): one atomic write turns the caller's slot into a counted failure. The call
   * whose failure reaches `threshold` starts the block, so exactly one caller sees `failures === threshold`. A
   * lapsed block restarts the count at 1.
   */
  addLoginFailure(key: LoginFailureKey, now: number, threshold: number, blockTtl: number | null): Promise<LoginFailureState>;
  /** Gives the caller's slot back; `reset` (a right password) also sets the key's failures back to zero. */
  releaseLoginSlot(key: LoginFailureKey, now: number, reset: boolean): Promise<void>;
  /** Blocks in force at `now`, oldest first. */
  listLoginBlocks(filter: { connection?: string; username?: string }, now: number): Promise<LoginBlockRecord[]>;
  /** Clears the failures (blocked or not) of an account, or of one IP of it; returns how many keys had any. */
  clearLoginFailures(filter: { connection: string; username: string; ip?: string }): Promise<number>;
}

/** Token buckets (suspicious IP throttling, MFA limits): in Redis when there is one, as losing them only forgives. */
export interface BucketStore {
  /**
   * Token bucket of `capacity` refilled at `refill_per_second`, created full: takes `cost` tokens when the
   * bucket holds them (cost 0 only looks). One atomic write.
   */
  takeFromBucket(bucket: string, cost: 0 | 1, now: number, policy: BucketPolicy): Promise<BucketResult>;
  /** Puts back one token taken earlier (never above `capacity`): an attempt that turned out not to count. */
  giveBackToBucket(bucket: string, now: number, policy: BucketPolicy): Promise<void>;
}

/** State of attack protection. */
export interface AttemptStore extends LoginFailureStore, BucketStore {}
