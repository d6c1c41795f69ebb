/**
 * The client IP of a request: the socket address, unless that address is a trusted proxy, in which case
 * the proxies' own headers are walked from the nearest hop outwards until the first untrusted address.
 * Headers from anyone else are ignored, so a client cannot choose its own IP.
 */
import { isIP } from 'node:net';
import { type IpList, normalizeIp } from './ip-list.ts';

type Headers = Record<string, string | string[] | undefined>;

function headerValues(headers: Headers, name: string): string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(','));
}

/** RFC 7239 §4 node: "for=192.0.2.60", "for=\"[2001:db8::1]:4711\"", "for=unknown". */
function forwardedNode(element: string): string | undefined {
  const pair = element.split(';').map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('for='));
  if (!pair) return undefined;
  let node = pair.slice(4).trim().replace(/^"(.*)"$/, '$1');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(node);
  if (bracketed) node = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(node)) node = node.replace(/:\d+$/, '');
  return node;
}

/** Hops as the proxies appended them, nearest last: RFC 7239 Forwarded when present, X-Forwarded-For otherwise. */
function forwardedChain(headers: Headers): string[] {
  const forwarded = headerValues(headers, 'forwarded');
  if (forwarded.length > 0) return forwarded.map((e) => forwardedNode(e) ?? '');
  return headerValues(headers, 'x-forwarded-for').map((v) => v.trim());
}

export function clientIp(socketAddress: string | undefined, headers: Headers, trustedProxies: IpList): string {
  let ip = normalizeIp(socketAddress ?? '');
  if (!trustedProxies.has(ip)) return ip;
  const chain = forwardedChain(headers);
  while (chain.length > 0 && trustedProxies.has(ip)) {
    const hop = normalizeIp(chain.pop()!);
    // A malformed or obfuscated hop ("unknown", "_hidden") ends the walk at the last address we can vouch for.
    if (isIP(hop) === 0) break;
    ip = hop;
  }
  return ip;
}
