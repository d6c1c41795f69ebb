/**
 * Key names under `cache_prefix`. Parts are URI-encoded, so a ':' inside a username or an IPv6 address
 * never splits a name, and a name can be read back into its parts.
 */
import type { LoginFailureKey } from '../storage/interfaces.ts';

/** Clocks of different nodes may differ by this much: keys outlive the moment they stop mattering by it. */
export const CLOCK_MARGIN = 60;

const part = encodeURIComponent;

/** A glob that matches `literal` only (SCAN MATCH treats * ? [ ] and backslash as special). */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}

export class CacheKeys {
  /** Brute-force counters: hashes {f failures, b blocked_at, e block_expires_at, l last_failure_at}. */
  readonly failuresPrefix: string;
  /** Throttling buckets: hashes {t tokens, u updated_at, f full_at}. */
  readonly bucketsPrefix: string;
  /** Revoked access tokens by jti, and families of them by sid (storage/denylist-keys.ts): strings holding the exp. */
  readonly denylistPrefix: string;
  /** The request rate limit (rate-limiter-flexible adds ":" and the IP). */
  readonly rateLimitPrefix: string;
  /** The marker that says Redis still holds what the nodes copied into it (epoch.ts). */
  readonly epoch: string;
  /** Matches every key above. */
  readonly all: string;

  constructor(prefix: string) {
    this.failuresPrefix = `${prefix}lf:`;
    this.bucketsPrefix = `${prefix}bucket:`;
    this.denylistPrefix = `${prefix}deny:`;
    this.rateLimitPrefix = `${prefix}rl`;
    this.epoch = `${prefix}epoch`;
    this.all = `${globEscape(prefix)}*`;
  }

  failures(key: LoginFailureKey): string {
    return `${this.failuresPrefix}${part(key.connection)}:${part(key.username)}:${part(key.ip)}`;
  }

  /** A SCAN pattern for the counters of a connection and/or username (any when left out). */
  failuresMatching(filter: { connection?: string; username?: string }): string {
    const exact = (value: string | undefined) => (value === undefined ? '*' : globEscape(part(value)));
    return `${globEscape(this.failuresPrefix)}${exact(filter.connection)}:${exact(filter.username)}:*`;
  }

  /** The parts of a failures key, or undefined for another key. */
  failuresKeyOf(name: string): LoginFailureKey | undefined {
    if (!name.startsWith(this.failuresPrefix)) return undefined;
    const parts = name.slice(this.failuresPrefix.length).split(':');
    if (parts.length !== 3) return undefined;
    const [connection, username, ip] = parts.map(decodeURIComponent) as [string, string, string];
    return { connection, username, ip };
  }

  bucket(name: string): string {
    return `${this.bucketsPrefix}${part(name)}`;
  }

  denied(key: string): string {
    return `${this.denylistPrefix}${part(key)}`;
  }
}
