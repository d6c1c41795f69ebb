/** What each legacy hash algorithm module provides: one file per algorithm, one registry (./registry.ts). */
import type { CustomPasswordHash, OptionalField } from './auth0-shape.ts';

export interface LegacyAlgorithm {
  /** The custom_password_hash.algorithm values it takes. */
  names: readonly string[];
  /** The optional custom_password_hash fields it reads; any other one present is refused. */
  fields: readonly OptionalField[];
  /** True for a stored hash of this algorithm. */
  recognises(stored: string): boolean;
  /** The stored form of an imported hash; throws HashFormatError saying which field is wrong (never its value). */
  fromAuth0(custom: CustomPasswordHash): string;
  /** False for a wrong password and for a hash it cannot read; never throws. */
  verify(stored: string, password: string): Promise<boolean>;
}

/** A library's verification as PasswordHasher.verify needs it: a throw, synchronous or not, is a failed match. */
export async function safely(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}
