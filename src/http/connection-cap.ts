/**
 * A cap on the connections one client address holds open at once, so a single host cannot tie up a node with
 * connections it keeps open (OWASP: slow HTTP denial of service). Counted when a connection opens, before a byte of
 * the request is read: the socket's address is all there is, so a proxy's forwarded addresses cannot count here.
 */
import { isIPv6, type Server, type Socket } from 'node:net';
import { normalizeIp } from '../protection/ip-list.ts';

export interface ConnectionCap {
  /** Connections one address (IPv6: one /64) may hold; 0: no cap. */
  max: number;
  /** Addresses never capped: trusted proxies carry many clients' connections, the allowlist is trusted by the operator. */
  exempt: (ip: string) => boolean;
  /** Called once when an address starts being refused (not for every refused connection: a flood must not flood the log). */
  onRefusing: (address: string) => void;
}

/** The first four groups of an IPv6 address: one host usually holds a whole /64, and would otherwise get the cap 2^64 times. */
function ipv6Network(address: string): string {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 address (::ffff:a.b.c.d, 64:ff9b::a.b.c.d) fills two groups.
  const filled = [...left, ...right].reduce((n, group) => n + (group.includes('.') ? 2 : 1), 0);
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - filled)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}

export function addressKey(remoteAddress: string): string {
  const ip = normalizeIp(remoteAddress);
  return isIPv6(ip) ? ipv6Network(ip) : ip;
}

export function capConnectionsPerIp(server: Server, cap: ConnectionCap): void {
  if (cap.max === 0) return;
  const open = new Map<string, number>();
  const refusing = new Set<string>();
  // Ahead of node:http's own listener, so a refused connection is never set up for parsing.
  server.prependListener('connection', (socket: Socket) => {
    const ip = socket.remoteAddress;
    if (ip === undefined || cap.exempt(ip)) return;
    const key = addressKey(ip);
    const count = open.get(key) ?? 0;
    if (count >= cap.max) {
      if (!refusing.has(key)) {
        refusing.add(key);
        cap.onRefusing(key);
      }
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = open.get(key)! - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
      refusing.delete(key);
    });
  });
}
