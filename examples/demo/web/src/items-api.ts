/** Calls to the sample API with the DPoP-bound access token: `Authorization: DPoP <token>` and a proof naming it (RFC 9449 §7.1). */
import { proof } from './dpop-key.ts';
import { OAuthFailure } from './tollgate.ts';

export interface Item {
  name: string;
  by: string;
  at: string;
}

async function call<T>(url: string, key: CryptoKeyPair, accessToken: string, method: 'GET' | 'POST', body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `DPoP ${accessToken}`, dpop: await proof(key, method, url, { accessToken }) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new OAuthFailure(res.status, answer as Record<string, unknown>, undefined);
  return answer as T;
}

export const listItems = async (apiUrl: string, key: CryptoKeyPair, accessToken: string) =>
  (await call<{ items: Item[] }>(`${apiUrl}/items`, key, accessToken, 'GET')).items;

export const addItem = (apiUrl: string, key: CryptoKeyPair, accessToken: string, name: string) =>
  call<Item>(`${apiUrl}/items`, key, accessToken, 'POST', { name });
