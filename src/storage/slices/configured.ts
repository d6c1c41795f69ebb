/** Records the configuration file and the management API share: clients, connections, APIs. */
import type { ApiRecord, ConnectionRecord } from '../../model/directory.ts';
import type { ConfiguredKind, ConfiguredRecords, Owned, Owner } from '../../model/configured.ts';
import type { ClientRecord } from '../../model/client.ts';

/**
 * Records the management API and the CLI own (managed_by 'api'). They may read every record, but change only their
 * own: the file's are rewritten from the file at every start. Changes reach this node at once and the others within
 * the store's configured-record cache bound (storage_cache_ttl).
 */
export interface ConfiguredStore {
  /** Records the configuration file owns: synchronised at start, the ones it no longer lists are removed. */
  syncClients(clients: ClientRecord[]): Promise<void>;
  syncConnections(connections: ConnectionRecord[]): Promise<void>;
  syncApis(apis: ApiRecord[]): Promise<void>;
  /** Every record of the kind with its owner, in key order (read from the store, not the cache). */
  listOwned<K extends ConfiguredKind>(kind: K): Promise<Owned<ConfiguredRecords[K]>[]>;
  /** Inserts a record the API owns; ConflictError when a record of that kind has the key already. */
  insertRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<void>;
  /** Replaces the record with the same key if the API owns it; returns its owner before the call (undefined: none). */
  replaceRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<Owner | undefined>;
  /** Deletes the record if the API owns it; returns its owner before the call (undefined: none). */
  deleteRecord(kind: ConfiguredKind, key: string): Promise<Owner | undefined>;
}
