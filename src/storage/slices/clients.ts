import type { ClientRecord } from '../../model/client.ts';

/** Clients, read from the configured-record cache. */
export interface ClientStore {
  getClient(clientId: string): Promise<ClientRecord | undefined>;
  /** Every client, from the same in-memory copy as getClient. */
  listClients(): Promise<ClientRecord[]>;
}
