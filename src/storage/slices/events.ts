import type { AuditEvent, EventFilter } from '../../model/events.ts';

export interface EventStore {
  addEvent(event: AuditEvent): Promise<void>;
  /** Newest first (ties in insertion order, newest first); `offset` skips that many. */
  listEvents(filter: EventFilter & { limit: number; offset?: number }): Promise<AuditEvent[]>;
  /** Deletes events older than `before`; returns how many went. */
  purgeEvents(before: number): Promise<number>;
}
