/** EventStore on SQLite: an append-only table with bounded retention. */
import type { StatementSync } from 'node:sqlite';
import { AUDIT_EVENT_COLUMNS as COLUMNS, type AuditEvent, type EventFilter } from '../../model/events.ts';
import type { EventStore } from '../slices/events.ts';

type Prepare = (sql: string) => StatementSync;

const INSERT = `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `:${c}`).join(', ')})`;

export class SqliteEvents implements EventStore {
  readonly #sql: Prepare;
  constructor(sql: Prepare) {
    this.#sql = sql;
  }

  async addEvent(event: AuditEvent): Promise<void> {
    this.#sql(INSERT).run({ ...event });
  }

  async listEvents(filter: EventFilter & { limit: number; offset?: number }): Promise<AuditEvent[]> {
    return this.#sql(`SELECT ${COLUMNS.join(', ')} FROM events
      WHERE (:user IS NULL OR user_id = :user OR username = lower(:user)) AND (:type IS NULL OR type = :type)
        AND (:since IS NULL OR time >= :since) AND (:until IS NULL OR time <= :until)
      ORDER BY time DESC, rowid DESC LIMIT :limit OFFSET :offset`)
      .all({
        user: filter.user ?? null, type: filter.type ?? null, since: filter.since ?? null, until: filter.until ?? null, limit: filter.limit, offset: filter.offset ?? 0,
      }) as unknown as AuditEvent[];
  }

  async purgeEvents(before: number): Promise<number> {
    return Number(this.#sql('DELETE FROM events WHERE time < ?').run(before).changes);
  }
}
