/** Lists of IPs and CIDR ranges (allowlist, trusted proxies), matched with node:net's BlockList. */
import { BlockList, isIP } from 'node:net';

/** "::ffff:10.0.0.1" is the IPv4 address 10.0.0.1 seen through a dual-stack socket. */
export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip.toLowerCase();
}

function parse(entry: string): { address: string; prefix?: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (version === 4 ? 32 : 128)) return undefined;
  return { address, prefix: Number(prefix), family };
}

export function isIpOrCidr(entry: string): boolean {
  return parse(entry) !== undefined;
}

/** Whether an IP is on a list: an IpList, or one that follows settings as they change. */
export interface IpMatcher {
  has(ip: string): boolean;
}

export class IpList implements IpMatcher {
  readonly #list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parse(entry);
      if (!parsed) throw new Error(`not an IP address or CIDR range: ${entry}`);
      if (parsed.prefix === undefined) this.#list.addAddress(parsed.address, parsed.family);
      else this.#list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    this.size = entries.length;
  }

  has(ip: string): boolean {
    if (this.size === 0) return false;
    const address = normalizeIp(ip);
    const version = isIP(address);
    return version !== 0 && this.#list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
