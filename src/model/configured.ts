/** What the configuration file and the management API share: clients, connections and APIs, and who owns each. */
import type { ClientRecord } from './client.ts';
import type { ApiRecord, ConnectionRecord } from './directory.ts';

/** The records the configuration file and the management API share, by kind (each kind is a table of its own). */
export interface ConfiguredRecords {
  clients: ClientRecord;
  connections: ConnectionRecord;
  apis: ApiRecord;
}
export type ConfiguredKind = keyof ConfiguredRecords;

/** Each kind's key field. */
export const CONFIGURED_KEYS = { clients: 'client_id', connections: 'name', apis: 'identifier' } as const satisfies {
  [K in ConfiguredKind]: keyof ConfiguredRecords[K];
};

/** Who owns a configured record: the configuration file (synchronised at start) or the management API and CLI. */
export type Owner = 'config' | 'api';

export interface Owned<T> {
  record: T;
  managed_by: Owner;
}
