/**
 * Typed audit events: stored for `tollgate logs` (bounded retention) and written to the log. Callers pass
 * only fields of AuditEvent, which has no place for a password, secret or token.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditEvent, EventStore } from '../storage/interfaces.ts';

export type EventInput = Pick<AuditEvent, 'type' | 'outcome'> & Partial<Omit<AuditEvent, 'id' | 'time' | 'type' | 'outcome'>>;

/** Request-supplied strings (usernames, user agents, client ids) are cut, so an event stays small. */
const MAX_FIELD = 256;

function bounded(input: EventInput): EventInput {
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, MAX_FIELD) : v])) as EventInput;
}

export class AuditLog {
  readonly #store: EventStore;
  readonly #log: Logger;
  readonly #now: () => number;
  /** Errors already described by an event, so the token endpoint does not record them twice. */
  readonly #reported = new WeakSet<Error>();

  constructor(deps: { store: EventStore; log: Logger; now: () => number }) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#now = deps.now;
  }

  async emit(input: EventInput): Promise<void> {
    const event: AuditEvent = {
      id: randomUUID(), time: this.#now(), client_id: null, connection: null, username: null, user_id: null,
      ip: null, user_agent: null, reason: null, ...bounded(input),
    };
    this.#log.info({ event }, event.type);
    // Losing an event must not fail the login it describes; the log line above still carries it.
    await this.#store.addEvent(event).catch((err: unknown) => this.#log.error({ err, type: event.type }, 'audit event not stored'));
  }

  /** Emits and marks `error` as reported; returns it, for `throw audit.fail(...)`. */
  async fail<E extends Error>(error: E, input: EventInput): Promise<E> {
    this.#reported.add(error);
    await this.emit(input);
    return error;
  }

  wasReported(error: unknown): boolean {
    return error instanceof Error && this.#reported.has(error);
  }
}
