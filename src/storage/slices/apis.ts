import type { ApiRecord } from '../../model/directory.ts';

/** APIs (resource servers), read from the configured-record cache. */
export interface ApiStore {
  getApi(identifier: string): Promise<ApiRecord | undefined>;
  listApis(): Promise<ApiRecord[]>;
}
