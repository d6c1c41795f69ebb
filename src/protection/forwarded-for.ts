/**
 * The end user's IP for a server-side app that calls the token endpoint on users' behalf (Auth0's auth0-forwarded-for): sent
 * in tollgate-forwarded-for (auth0-forwarded-for accepted too) and believed only from an authenticated
 * confidential client configured with trust_forwarded_for. Otherwise every user would share the app's IP
 * and one attacker could lock them all out, or an untrusted caller could pick the IP it is counted under.
 */
import { isIP } from 'node:net';
import type { ClientRecord } from '../model/client.ts';
import { normalizeIp } from './ip-list.ts';

export const FORWARDED_FOR_HEADERS = ['tollgate-forwarded-for', 'auth0-forwarded-for'] as const;

export type EndUserIp = { ip: string; ignored?: undefined } | { ip: string; ignored: 'public_client' | 'client_not_trusted' | 'not_an_ip' };

export function endUserIp(client: ClientRecord, networkIp: string, forwardedFor: string | undefined): EndUserIp {
  if (forwardedFor === undefined) return { ip: networkIp };
  if (client.token_endpoint_auth_method === 'none') return { ip: networkIp, ignored: 'public_client' };
  if (!client.trust_forwarded_for) return { ip: networkIp, ignored: 'client_not_trusted' };
  const value = forwardedFor.trim();
  if (isIP(value) === 0) return { ip: networkIp, ignored: 'not_an_ip' };
  return { ip: normalizeIp(value) };
}
