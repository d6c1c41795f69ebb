/**
 * Key names under `cache_prefix`. Parts are URI-encoded, so a ':' inside a bucket name or an IPv6 address
 * never splits a name.
 */
/** Clocks of different nodes may differ by this much: keys outlive the moment they stop mattering by it. */
export const CLOCK_MARGIN = 60;

const part = encodeURIComponent;

/** A glob that matches `literal` only (SCAN MATCH treats * ? [ ] and backslash as special). */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}

export class CacheKeys {
  /** Brute-force counters as versions before the SQL store held them kept them here: the purge deletes them. */
  readonly oldFailuresPrefix: string;
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
    this.oldFailuresPrefix = `${prefix}lf:`;
    this.bucketsPrefix = `${prefix}bucket:`;
    this.denylistPrefix = `${prefix}deny:`;
    this.rateLimitPrefix = `${prefix}rl`;
    this.epoch = `${prefix}epoch`;
    this.all = `${globEscape(prefix)}*`;
  }

  bucket(name: string): string {
    return `${this.bucketsPrefix}${part(name)}`;
  }

  denied(key: string): string {
    return `${this.denylistPrefix}${part(key)}`;
  }
}
