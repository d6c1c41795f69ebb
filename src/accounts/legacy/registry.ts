/** Every legacy hash algorithm Tollgate imports and verifies; adding one is one file and one line here. */
import type { LegacyAlgorithm } from './algorithm.ts';
import { type CustomPasswordHash, refuseUnusedFields } from './auth0-shape.ts';
import { HashFormatError } from './encoding.ts';
import { argon2 } from './argon2.ts';
import { bcrypt } from './bcrypt.ts';
import { pbkdf2 } from './pbkdf2.ts';
import { saltedSha } from './salted-sha.ts';
import { scrypt } from './scrypt.ts';

const ALGORITHMS: readonly LegacyAlgorithm[] = [argon2, bcrypt, pbkdf2, scrypt, saltedSha];

export const IMPORTABLE_ALGORITHMS = ALGORITHMS.flatMap((a) => a.names);

/** The stored form of Auth0's custom_password_hash; throws HashFormatError naming the field that is wrong. */
export function storedHashFromAuth0(custom: CustomPasswordHash): string {
  const algorithm = ALGORITHMS.find((a) => a.names.includes(custom.algorithm));
  if (!algorithm) throw new HashFormatError('algorithm', `${JSON.stringify(custom.algorithm)} is not supported (supported: ${IMPORTABLE_ALGORITHMS.join(', ')})`);
  refuseUnusedFields(custom, algorithm.fields);
  return algorithm.fromAuth0(custom);
}

/** Verifies any hash Tollgate stores (its own argon2id included); false for a wrong password or an unknown format. */
export function verifyStoredHash(stored: string, password: string): Promise<boolean> {
  const algorithm = ALGORITHMS.find((a) => a.recognises(stored));
  return algorithm ? algorithm.verify(stored, password) : Promise.resolve(false);
}

/** True for a hash in a format Tollgate never writes: it came from an import and nobody has logged in with it yet. */
export function isForeignHash(stored: string): boolean {
  return !stored.startsWith('$argon2id$');
}
