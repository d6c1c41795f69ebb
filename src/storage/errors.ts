/** What stores throw, and how a store across a network says whether it was reached. */

/** Thrown by stores when a unique constraint would be broken. */
export class ConflictError extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'ConflictError';
  }
}

/**
 * Thrown by stores when the database cannot be reached (refused, reset, shut down, pool timeout): nothing was
 * written, and the same request may succeed once it is back (HTTP 503 temporarily_unavailable).
 */
export class StoreUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the store is unavailable', options);
    this.name = 'StoreUnavailableError';
  }
}

/** Told by a store whose database is across a network whether each call reached it (observability/outages.ts listens). */
export interface AvailabilityWatcher {
  /** A call failed with StoreUnavailableError; `err` is the cause. */
  failed(err: unknown): void;
  /** A call reached the database. */
  answered(): void;
}
