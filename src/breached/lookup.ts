/**
 * What both detection methods answer: how often a password's SHA-1 appears in the Pwned Passwords list. The list is
 * keyed by unsalted SHA-1 (Have I Been Pwned's format), so that is the one hash computed here, and it never leaves
 * the process whole: the range API is sent its first 5 hex characters only.
 */
import { createHash } from 'node:crypto';

export interface BreachLookup {
  /** How often the list has seen `sha1` (20 bytes); 0 when never. Throws BreachListUnavailableError when it cannot tell. */
  count(sha1: Buffer): Promise<number>;
  /** Releases files and sockets. */
  close(): Promise<void>;
}

/** Why the list could not be asked: the stable reason of a breached_password.unavailable event. */
export type UnavailableCode = 'timeout' | 'unreachable' | 'bad_answer' | 'index_not_ready';

/** The list cannot be asked now (unreachable, too slow, an index still being built): callers fail open. */
export class BreachListUnavailableError extends Error {
  readonly code: UnavailableCode;
  constructor(code: UnavailableCode, detail: string) {
    super(detail);
    this.name = 'BreachListUnavailableError';
    this.code = code;
  }
}

/** The password's SHA-1 over its UTF-8 bytes, as the Pwned Passwords list computes it. */
export function sha1Of(password: string): Buffer {
  return createHash('sha1').update(password, 'utf8').digest();
}
