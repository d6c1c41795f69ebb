import type { ApiRecord } from './directory.ts';

/** What a login is granted: the API (audience) its access token is for, and the scope (RFC 6749 §3.3). */
export interface Authorization {
  api: ApiRecord | undefined;
  scope: string[];
}
