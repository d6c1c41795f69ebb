/**
 * Typed audit events: stored for `tollgate logs` (bounded retention) and written to the log. Callers pass
 * only fields of AuditEvent, which has no place for a password, secret or token.
 *
 * While the store is unreachable, events wait in a bounded queue in memory and are written when it answers again,
 * in the order they happened, so an outage leaves no gap in the trail. Past the bound, newer events are dropped and
 * counted, and the count is itself recorded, as an `audit.dropped` event (reason: the number), where they would have
 * been. A graceful shutdown writes what is queued, or logs how many events it could not write.
 *
 * An event made while a request is served carries that request's id (`request_id`), so it can be joined to the
 * request's log lines; observers (metrics) see each event as it is made.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../storage/errors.ts';
import type { AuditEvent } from '../model/events.ts';
import type { EventStore } from '../storage/slices/events.ts';

export type EventInput = Pick<AuditEvent, 'type' | 'outcome'> & Partial<Omit<AuditEvent, 'id' | 'time' | 'type' | 'outcome'>>;

export interface AuditLogOptions {
  store: EventStore;
  log: Logger;
  now: () => number;
  queueLimit?: number;
  /** The id of the request being served, if any (observability/request-scope.ts). */
  requestId?: () => string | undefined;
  /** Told of every event as it is made, before it is stored (metrics count logins and blocks from here). */
  onEvent?: (event: AuditEvent) => void;
  /** Told each time an event is dropped because the queue for an unreachable store is full. */
  onDropped?: () => void;
}

/** Request-supplied strings (usernames, user agents, client ids) are cut, so an event stays small. */
const MAX_FIELD = 256;
/** Events held while the store is unreachable: at about 0.5 KB each, 5 MB at most. */
export const AUDIT_QUEUE_LIMIT = 10_000;
/** How often a queue that could not be written is tried again. */
const RETRY_MS = 1000;

function bounded(input: EventInput): EventInput {
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, MAX_FIELD) : v])) as EventInput;
}

/**
 * Marks an error an event already described, so the token endpoint does not record it twice. A symbol, set
 * non-enumerable on the error itself: it travels with the error and never shows in a log line or a response.
 */
const REPORTED = Symbol('audit event reported');

export class AuditLog {
  readonly #store: EventStore;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #limit: number;
  readonly #requestId: () => string | undefined;
  readonly #onEvent: ((event: AuditEvent) => void) | undefined;
  readonly #onDropped: (() => void) | undefined;
  /** Events not written yet, oldest first; while any waits, new events queue behind it to keep the order. */
  readonly #queue: AuditEvent[] = [];
  /** Events dropped since the queue filled up, not yet recorded as audit.dropped. */
  #dropped = 0;
  #flushing: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;

  constructor(deps: AuditLogOptions) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#now = deps.now;
    this.#limit = deps.queueLimit ?? AUDIT_QUEUE_LIMIT;
    this.#requestId = deps.requestId ?? (() => undefined);
    this.#onEvent = deps.onEvent;
    this.#onDropped = deps.onDropped;
  }

  #event(input: EventInput): AuditEvent {
    return {
      id: randomUUID(), time: this.#now(), client_id: null, connection: null, username: null, user_id: null,
      ip: null, user_agent: null, reason: null, request_id: this.#requestId() ?? null, ...bounded(input),
    };
  }

  async emit(input: EventInput): Promise<void> {
    const event = this.#event(input);
    this.#log.info({ event }, event.type);
    this.#onEvent?.(event);
    if (this.#queue.length > 0 || this.#dropped > 0) return this.#enqueue(event);
    try {
      await this.#store.addEvent(event);
    } catch (err) {
      // Losing an event must not fail the login it describes; the log line above still carries it.
      if (err instanceof StoreUnavailableError) this.#enqueue(event);
      else this.#log.error({ err, type: event.type }, 'audit event not stored');
    }
  }

  /** How many events wait to be written. */
  get queued(): number {
    return this.#queue.length;
  }

  #enqueue(event: AuditEvent): void {
    // One place is kept for the audit.dropped event that will say how many did not fit.
    if (this.#queue.length >= this.#limit - 1) {
      this.#dropped++;
      this.#onDropped?.();
    } else {
      this.#recordDropped();
      this.#queue.push(event);
    }
    this.#scheduleRetry();
  }

  /** Queues the audit.dropped event for the events dropped so far, if any. */
  #recordDropped(): void {
    if (this.#dropped === 0) return;
    this.#queue.push(this.#event({ type: 'audit.dropped', outcome: 'failure', reason: String(this.#dropped) }));
    this.#log.warn({ dropped: this.#dropped }, 'audit events dropped: the queue for the unreachable store was full');
    this.#dropped = 0;
  }

  #scheduleRetry(): void {
    if (this.#retry || this.#flushing) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.flush();
    }, RETRY_MS).unref();
  }

  /** Writes the queued events in order, until the queue is empty or the store fails; resolves to how many are left. */
  async flush(): Promise<number> {
    this.#flushing ??= this.#drain().finally(() => { this.#flushing = undefined; });
    await this.#flushing;
    if (this.#queue.length > 0 || this.#dropped > 0) this.#scheduleRetry();
    return this.#queue.length + this.#dropped;
  }

  async #drain(): Promise<void> {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    for (;;) {
      if (this.#queue.length === 0) this.#recordDropped();
      const event = this.#queue[0];
      if (event === undefined) return;
      try {
        await this.#store.addEvent(event);
      } catch (err) {
        if (err instanceof StoreUnavailableError) return;
        this.#log.error({ err, type: event.type }, 'audit event not stored');
      }
      this.#queue.shift();
    }
  }

  /** For a graceful shutdown: writes what is queued, and logs how many events could not be written. */
  async close(): Promise<void> {
    if (this.#queue.length > 0 || this.#dropped > 0) await this.flush();
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const unwritten = this.#queue.length;
    if (unwritten > 0 || this.#dropped > 0) {
      this.#log.error({ unwritten, dropped: this.#dropped }, `${unwritten} audit events not written: the store was unreachable at shutdown`);
    }
  }

  /** Emits and marks `error` as reported; returns it, for `throw audit.fail(...)`. */
  async fail<E extends Error>(error: E, input: EventInput): Promise<E> {
    Object.defineProperty(error, REPORTED, { value: true });
    await this.emit(input);
    return error;
  }

  wasReported(error: unknown): boolean {
    return error instanceof Error && (error as { [REPORTED]?: boolean })[REPORTED] === true;
  }
}
