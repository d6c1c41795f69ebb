import type { ApiRecord, ConnectionRecord } from '../../model/directory.ts';

export interface DirectoryStore {
  getConnection(name: string): Promise<ConnectionRecord | undefined>;
  listConnections(): Promise<ConnectionRecord[]>;
  getApi(identifier: string): Promise<ApiRecord | undefined>;
  listApis(): Promise<ApiRecord[]>;
}
