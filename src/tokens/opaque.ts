/** Opaque high-entropy tokens: 256 random bits on the wire, only their SHA-256 at rest. */
import { hash, randomFillSync } from 'node:crypto';

/**
 * CSPRNG output drawn 4 KiB at a time, as crypto.randomUUID does: one call to the generator per hundred tokens rather
 * than one each, on the token endpoint's hot path. Each byte is handed out once, then zeroed.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `bytes` (at most 4096) random bytes, base64url. */
export function randomBase64url(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString('base64url', used, used + bytes);
  pool.fill(0, used, used + bytes);
  used += bytes;
  return text;
}

export function newOpaqueToken(): string {
  return randomBase64url(32);
}

/** A lookup key that reveals nothing: a database dump cannot be replayed (RFC 6819 §5.1.4.1.3). */
export function tokenHash(token: string): string {
  return hash('sha256', token, 'base64url');
}
