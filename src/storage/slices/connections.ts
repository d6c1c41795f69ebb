import type { ConnectionRecord } from '../../model/directory.ts';

/** Connections (user directories), read from the configured-record cache. */
export interface ConnectionStore {
  getConnection(name: string): Promise<ConnectionRecord | undefined>;
  listConnections(): Promise<ConnectionRecord[]>;
}
