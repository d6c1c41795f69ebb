import type { ClientRecord } from '../../model/client.ts';

export interface ClientStore {
  getClient(clientId: string): Promise<ClientRecord | undefined>;
}
