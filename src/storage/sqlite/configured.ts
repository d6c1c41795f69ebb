/** Configured records (clients, connections, APIs) on SQLite: one JSON document per row, keyed by its identifier. */
import { CONFIGURED_KEYS, type ConfiguredKind, type ConfiguredRecords, type Owned, type Owner } from '../../model/configured.ts';
import type { ApiRecord, ConnectionRecord } from '../../model/directory.ts';
import type { ClientRecord } from '../../model/client.ts';
import { ConflictError } from '../errors.ts';
import type { ConfiguredStore } from '../slices/configured.ts';
import type { ConfiguredCache, LoadRecords } from '../configured-cache.ts';
import type { SqliteDb } from './db.ts';

/** Every record of a table, by key, as the configured-record cache loads them. */
export function sqliteRecords(db: SqliteDb): LoadRecords {
  return async (table, key) => db.sql(`SELECT ${key} AS k, data FROM ${table} ORDER BY ${key}`).all().map((row) => [row.k as string, JSON.parse(row.data as string)]);
}

export class SqliteConfigured implements ConfiguredStore {
  readonly #db: SqliteDb;
  /** This store's own writes invalidate the cached records at once; other processes' are seen within its TTL. */
  readonly #configured: ConfiguredCache;

  constructor(db: SqliteDb, configured: ConfiguredCache) {
    this.#db = db;
    this.#configured = configured;
  }

  #sync(table: string, key: string, records: { [k: string]: unknown }[]): void {
    this.#db.transaction(() => {
      const upsert = this.#db.sql(`INSERT INTO ${table} (${key}, data, managed_by) VALUES (?, ?, 'config')
        ON CONFLICT (${key}) DO UPDATE SET data = excluded.data, managed_by = 'config'`);
      for (const r of records) upsert.run(r[key] as string, JSON.stringify(r));
      const keep = new Set(records.map((r) => r[key] as string));
      for (const row of this.#db.sql(`SELECT ${key} AS k FROM ${table} WHERE managed_by = 'config'`).all()) {
        if (!keep.has(row.k as string)) this.#db.sql(`DELETE FROM ${table} WHERE ${key} = ?`).run(row.k as string);
      }
    });
    this.#configured.invalidate(table);
  }

  // ManagedStore: the owner is read and changed in one transaction.

  async listOwned<K extends ConfiguredKind>(kind: K): Promise<Owned<ConfiguredRecords[K]>[]> {
    const key = CONFIGURED_KEYS[kind];
    return this.#db.sql(`SELECT data, managed_by FROM ${kind} ORDER BY ${key}`).all()
      .map((row) => ({ record: JSON.parse(row.data as string), managed_by: row.managed_by as Owner }));
  }

  async insertRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<void> {
    const key = CONFIGURED_KEYS[kind];
    const value = (record as unknown as Record<string, string>)[key]!;
    const inserted = this.#db.sql(`INSERT INTO ${kind} (${key}, data, managed_by) VALUES (?, ?, 'api') ON CONFLICT DO NOTHING`).run(value, JSON.stringify(record));
    if (inserted.changes !== 1) throw new ConflictError(`${kind} "${value}"`);
    this.#configured.invalidate(kind);
  }

  #changeOwned(kind: ConfiguredKind, value: string, change: () => void): Owner | undefined {
    const owner = this.#db.transaction(() => {
      const row = this.#db.sql(`SELECT managed_by FROM ${kind} WHERE ${CONFIGURED_KEYS[kind]} = ?`).get(value);
      if (row?.managed_by === 'api') change();
      return row?.managed_by as Owner | undefined;
    });
    this.#configured.invalidate(kind);
    return owner;
  }

  async replaceRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<Owner | undefined> {
    const key = CONFIGURED_KEYS[kind];
    const value = (record as unknown as Record<string, string>)[key]!;
    return this.#changeOwned(kind, value, () => this.#db.sql(`UPDATE ${kind} SET data = ? WHERE ${key} = ?`).run(JSON.stringify(record), value));
  }

  async deleteRecord(kind: ConfiguredKind, value: string): Promise<Owner | undefined> {
    return this.#changeOwned(kind, value, () => this.#db.sql(`DELETE FROM ${kind} WHERE ${CONFIGURED_KEYS[kind]} = ?`).run(value));
  }

  async syncClients(clients: ClientRecord[]): Promise<void> { this.#sync('clients', 'client_id', clients as never); }
  async syncConnections(connections: ConnectionRecord[]): Promise<void> { this.#sync('connections', 'name', connections as never); }
  async syncApis(apis: ApiRecord[]): Promise<void> { this.#sync('apis', 'identifier', apis as never); }
}
