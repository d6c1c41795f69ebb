/** EventStore on PostgreSQL: an append-only table with bounded retention. */
import { AUDIT_EVENT_COLUMNS as COLUMNS, type AuditEvent, type EventFilter } from '../../model/events.ts';
import type { EventStore } from '../slices/events.ts';
import type { Query } from './db.ts';
import { insertSql, pick } from './rows.ts';

export class PostgresEvents implements EventStore {
  readonly #query: Query;
  constructor(query: Query) {
    this.#query = query;
  }

  async addEvent(event: AuditEvent): Promise<void> {
    await this.#query(...insertSql('events', pick(event, COLUMNS)));
  }

  async listEvents(filter: EventFilter & { limit: number; offset?: number }): Promise<AuditEvent[]> {
    const { rows } = await this.#query(`SELECT ${COLUMNS.join(', ')} FROM events
      WHERE ($1::text IS NULL OR user_id = $1 OR username = lower($1)) AND ($2::text IS NULL OR type = $2)
        AND ($3::bigint IS NULL OR time >= $3) AND ($4::bigint IS NULL OR time <= $4)
      ORDER BY time DESC, seq DESC LIMIT $5 OFFSET $6`,
    [filter.user ?? null, filter.type ?? null, filter.since ?? null, filter.until ?? null, filter.limit, filter.offset ?? 0]);
    return rows as unknown as AuditEvent[];
  }

  async purgeEvents(before: number): Promise<number> {
    return (await this.#query('DELETE FROM events WHERE time < $1', [before])).rowCount;
  }
}
