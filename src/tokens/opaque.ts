/** Opaque high-entropy tokens: 256 random bits on the wire, only their SHA-256 at rest. */
import { createHash, randomBytes } from 'node:crypto';

export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A lookup key that reveals nothing: a database dump cannot be replayed (RFC 6819 §5.1.4.1.3). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
