/**
 * What belongs to one request wherever its work goes (grants, protection, the audit log, the store): its id, the grant
 * it asked for, the login it made, and the trace span work belongs under. Carried by AsyncLocalStorage, one instance
 * per server, because an audit event or a log line is made many calls away from the HTTP layer, and threading the id
 * through every signature would reach modules that have no business knowing about requests.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Span } from '@opentelemetry/api';

/** One request's state; a mutable record shared by everything the request does. */
export interface RequestState {
  /** From a trusted proxy's X-Request-Id, or 128 random bits in hex: unique across nodes without coordination. */
  readonly requestId: string;
  /** The login this request made, once an audit event told how it went (a later event overrides: success, then MFA). */
  login?: { connection: string; outcome: string };
}

/** Where the code runs now: its request, and the span (when tracing) that work started here belongs under. */
interface Frame {
  readonly state: RequestState;
  readonly span: Span | undefined;
}

/** What a proxy may hand us as a request id: short, printable, no spaces or quotes (it goes into logs and headers). */
const FORWARDED_ID = /^[A-Za-z0-9._~:+/=@-]{1,128}$/;

export function newRequestId(): string {
  return randomBytes(16).toString('hex');
}

/** The proxy's X-Request-Id when the peer is a trusted proxy and the id is well-formed; a new id otherwise. */
export function requestIdOf(header: string | string[] | undefined, fromTrustedProxy: boolean): string {
  if (fromTrustedProxy && typeof header === 'string' && FORWARDED_ID.test(header)) return header;
  return newRequestId();
}

export class RequestScope {
  readonly #storage = new AsyncLocalStorage<Frame>();

  current(): RequestState | undefined {
    return this.#storage.getStore()?.state;
  }

  requestId(): string | undefined {
    return this.#storage.getStore()?.state.requestId;
  }

  span(): Span | undefined {
    return this.#storage.getStore()?.span;
  }

  /** Runs `work` as part of the request `state` (under `span`, when tracing). */
  run<T>(state: RequestState, work: () => T, span?: Span): T {
    return this.#storage.run({ state, span }, work);
  }

  /** Runs `work` under `span`, within the current request. */
  runInSpan<T>(span: Span, work: () => T): T {
    const frame = this.#storage.getStore();
    return frame === undefined ? work() : this.#storage.run({ state: frame.state, span }, work);
  }
}
