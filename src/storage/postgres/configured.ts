/** Configured records (clients, connections, APIs) on PostgreSQL: one jsonb document per row, keyed by its identifier. */
import { CONFIGURED_KEYS, type ConfiguredKind, type ConfiguredRecords, type Owned, type Owner } from '../../model/configured.ts';
import type { ApiRecord, ConnectionRecord } from '../../model/directory.ts';
import type { ClientRecord } from '../../model/client.ts';
import { ConflictError } from '../errors.ts';
import type { ConfiguredStore } from '../slices/configured.ts';
import type { ConfiguredCache, LoadRecords } from '../configured-cache.ts';
import type { Db, Query } from './db.ts';

/** Every record of a table, by key, as the configured-record cache loads them. */
export function postgresRecords(db: Db): LoadRecords {
  return async (table, key) => {
    const { rows } = await db.query(`SELECT ${key} AS k, data FROM ${table} ORDER BY ${key}`);
    return rows.map((row) => [row.k as string, row.data]);
  };
}

export class PostgresConfigured implements ConfiguredStore {
  readonly #db: Db;
  /** This store's own writes invalidate the cached records at once; other nodes' are seen within its TTL. */
  readonly #configured: ConfiguredCache;

  constructor(db: Db, configured: ConfiguredCache) {
    this.#db = db;
    this.#configured = configured;
  }

  async #sync(table: string, key: string, records: { [k: string]: unknown }[]): Promise<void> {
    // Sorted, so nodes syncing the same configuration at once lock rows in the same order.
    const sorted = records.map((r) => [r[key] as string, JSON.stringify(r)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const keys = sorted.map(([k]) => k);
    await this.#db.transaction(async (query) => {
      await query(`INSERT INTO ${table} (${key}, data, managed_by) SELECT k, d, 'config' FROM unnest($1::text[], $2::jsonb[]) AS r (k, d)
        ON CONFLICT (${key}) DO UPDATE SET data = excluded.data, managed_by = 'config'`, [keys, sorted.map(([, data]) => data)]);
      await query(`DELETE FROM ${table} WHERE managed_by = 'config' AND NOT (${key} = ANY ($1::text[]))`, [keys]);
    });
    this.#configured.invalidate(table);
  }

  async syncClients(clients: ClientRecord[]): Promise<void> { await this.#sync('clients', 'client_id', clients as never); }
  async syncConnections(connections: ConnectionRecord[]): Promise<void> { await this.#sync('connections', 'name', connections as never); }
  async syncApis(apis: ApiRecord[]): Promise<void> { await this.#sync('apis', 'identifier', apis as never); }

  // ManagedStore: the owner is read and changed in one transaction, under the row's lock.

  async listOwned<K extends ConfiguredKind>(kind: K): Promise<Owned<ConfiguredRecords[K]>[]> {
    const { rows } = await this.#db.query(`SELECT data, managed_by FROM ${kind} ORDER BY ${CONFIGURED_KEYS[kind]}`);
    return rows.map((row) => ({ record: row.data as ConfiguredRecords[K], managed_by: row.managed_by as Owner }));
  }

  async insertRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<void> {
    const key = CONFIGURED_KEYS[kind];
    const value = (record as unknown as Record<string, string>)[key]!;
    const inserted = await this.#db.query(`INSERT INTO ${kind} (${key}, data, managed_by) VALUES ($1, $2, 'api') ON CONFLICT DO NOTHING`, [value, JSON.stringify(record)]);
    if (inserted.rowCount !== 1) throw new ConflictError(`${kind} "${value}"`);
    this.#configured.invalidate(kind);
  }

  async #changeOwned(kind: ConfiguredKind, value: string, change: (query: Query) => Promise<unknown>): Promise<Owner | undefined> {
    const owner = await this.#db.transaction(async (query) => {
      const { rows } = await query(`SELECT managed_by FROM ${kind} WHERE ${CONFIGURED_KEYS[kind]} = $1 FOR UPDATE`, [value]);
      if (rows[0]?.managed_by === 'api') await change(query);
      return rows[0]?.managed_by as Owner | undefined;
    });
    this.#configured.invalidate(kind);
    return owner;
  }

  async replaceRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<Owner | undefined> {
    const key = CONFIGURED_KEYS[kind];
    const value = (record as unknown as Record<string, string>)[key]!;
    return this.#changeOwned(kind, value, (query) => query(`UPDATE ${kind} SET data = $1 WHERE ${key} = $2`, [JSON.stringify(record), value]));
  }

  async deleteRecord(kind: ConfiguredKind, value: string): Promise<Owner | undefined> {
    return this.#changeOwned(kind, value, (query) => query(`DELETE FROM ${kind} WHERE ${CONFIGURED_KEYS[kind]} = $1`, [value]));
  }
}
