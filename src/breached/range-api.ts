/**
 * Pwned Passwords' range API (k-anonymity): GET {url}{first 5 hex characters of the SHA-1} answers every
 * "SUFFIX:COUNT" line of that prefix, and the match is found here, so neither the password nor its full hash
 * leaves the server. Add-Padding: true makes every answer 800 to 1,000 lines (padding lines count 0), so an observer of
 * the encrypted answer's size learns nothing about the prefix either.
 */
import { BreachListUnavailableError, type BreachLookup } from './lookup.ts';

export interface RangeApiOptions {
  /** range_url, ending in "/": the prefix is appended. */
  url: string;
  /** Milliseconds for the whole exchange, body included. */
  timeoutMs: number;
  /** Milliseconds an answer is kept; 0 keeps none. */
  cacheTtlMs: number;
  /** Milliseconds since the epoch (Date.now in production; tests move it). */
  nowMs?: () => number;
}

/** Answers kept at most: each is about 35 KB of text, so the cache stays under 10 MB. */
const CACHE_ENTRIES = 256;
/** Requests in flight at most: an import of a thousand plain passwords must not open a thousand sockets. */
const MAX_CONCURRENT = 8;
const PREFIX_LENGTH = 5;

export class RangeApi implements BreachLookup {
  readonly #options: RangeApiOptions;
  readonly #nowMs: () => number;
  /** Insertion-ordered, so the first key is the oldest: evicted first. */
  readonly #answers = new Map<string, { body: string; expires: number }>();
  /** One request per prefix at a time: concurrent logins with one password share it. */
  readonly #inFlight = new Map<string, Promise<string>>();
  #running = 0;
  readonly #queue: (() => void)[] = [];

  constructor(options: RangeApiOptions) {
    this.#options = options;
    this.#nowMs = options.nowMs ?? Date.now;
  }

  async count(sha1: Buffer): Promise<number> {
    const hex = sha1.toString('hex').toUpperCase();
    const body = await this.#range(hex.slice(0, PREFIX_LENGTH));
    return countIn(body, hex.slice(PREFIX_LENGTH));
  }

  async close(): Promise<void> {
    this.#answers.clear();
  }

  #range(prefix: string): Promise<string> {
    const cached = this.#answers.get(prefix);
    if (cached && cached.expires > this.#nowMs()) return Promise.resolve(cached.body);
    this.#answers.delete(prefix);
    let pending = this.#inFlight.get(prefix);
    if (!pending) {
      pending = this.#fetch(prefix).finally(() => this.#inFlight.delete(prefix));
      this.#inFlight.set(prefix, pending);
    }
    return pending;
  }

  async #fetch(prefix: string): Promise<string> {
    // The clock starts before the wait for a free slot: the caller's bound covers the whole lookup.
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    await this.#slot(signal);
    try {
      const response = await fetch(`${this.#options.url}${prefix}`, {
        headers: { 'add-padding': 'true', 'user-agent': 'Tollgate breached-password-detection' }, signal,
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new BreachListUnavailableError('bad_answer', `the range API answered ${response.status}`);
      }
      // Upper-cased once here, so each lookup in a cached answer is one indexOf.
      const body = (await response.text()).toUpperCase();
      this.#remember(prefix, body);
      return body;
    } catch (err) {
      if (err instanceof BreachListUnavailableError) throw err;
      const timedOut = signal.aborted;
      throw new BreachListUnavailableError(timedOut ? 'timeout' : 'unreachable', timedOut ? `no answer from the range API within ${this.#options.timeoutMs} ms` : `the range API cannot be reached (${describe(err)})`);
    } finally {
      this.#release();
    }
  }

  #remember(prefix: string, body: string): void {
    if (this.#options.cacheTtlMs <= 0) return;
    this.#answers.set(prefix, { body, expires: this.#nowMs() + this.#options.cacheTtlMs });
    if (this.#answers.size > CACHE_ENTRIES) this.#answers.delete(this.#answers.keys().next().value!);
  }

  async #slot(signal: AbortSignal): Promise<void> {
    if (this.#running < MAX_CONCURRENT) {
      this.#running++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const take = () => {
        signal.removeEventListener('abort', give);
        resolve();
      };
      const give = () => {
        this.#queue.splice(this.#queue.indexOf(take), 1);
        reject(new BreachListUnavailableError('timeout', `no answer from the range API within ${this.#options.timeoutMs} ms`));
      };
      signal.addEventListener('abort', give, { once: true });
      this.#queue.push(take);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#running--;
  }
}

/** The cause of a fetch failure (undici wraps it as "fetch failed"): ECONNREFUSED, ENOTFOUND... */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

/**
 * The count on the line whose 35-character suffix is `suffix` (both upper case). A suffix followed by ":" can only be a line's start:
 * counts are decimal and lines end in CRLF, so no 35 hex characters before a colon span two lines.
 */
export function countIn(body: string, suffix: string): number {
  const at = body.indexOf(`${suffix}:`);
  if (at < 0) return 0;
  const count = /^\d+/.exec(body.slice(at + suffix.length + 1))?.[0];
  return count === undefined ? 0 : Number(count);
}
