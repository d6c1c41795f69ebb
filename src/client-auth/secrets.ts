/**
 * Client secrets at rest: "sha256:<hex>" for generated, high-entropy secrets
 * (fast enough for the token endpoint's hot path), or an argon2id PHC string
 * for operator-chosen ones. Comparison is constant-time either way.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../accounts/passwords.ts';

/** A new secret for a client the management API creates or rotates: 256 random bits, so SHA-256 at rest is enough. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return `sha256:${hash('sha256', secret, 'hex')}`;
}

export async function verifyClientSecret(stored: string, presented: string, hasher: PasswordHasher): Promise<boolean> {
  if (stored.startsWith('$argon2')) return hasher.verify(stored, presented);
  const expected = Buffer.from(stored.slice('sha256:'.length), 'hex');
  const actual = hash('sha256', presented, 'buffer');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
