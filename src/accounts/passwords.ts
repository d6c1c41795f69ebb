/**
 * argon2id password hashing (RFC 9106), through @node-rs/argon2 on the libuv thread pool; verification also
 * reads the hashes imported from other systems (./legacy/), which a successful login replaces (needsRehash).
 */
import { hash } from '@node-rs/argon2';
import { verifyStoredHash } from './legacy/registry.ts';

/** @node-rs/argon2's `Algorithm.Argon2id`; its enum is const, so erasable TypeScript cannot import it. */
const ARGON2ID = 2;
import { randomBytes } from 'node:crypto';

export interface PasswordHashing {
  memory_cost: number;
  time_cost: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a hash it cannot read; never throws on input. */
  verify(phc: string, password: string): Promise<boolean>;
  /** True when a stored hash was made with other parameters than the current ones, or by another system. */
  needsRehash(phc: string): boolean;
}

export function argon2Hasher(params: PasswordHashing): PasswordHasher {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: params.memory_cost,
    timeCost: params.time_cost,
    parallelism: params.parallelism,
  };
  const current = `$argon2id$v=19$m=${params.memory_cost},t=${params.time_cost},p=${params.parallelism}$`;
  return {
    hash: (password) => hash(password, options),
    verify: verifyStoredHash,
    needsRehash: (phc) => !phc.startsWith(current),
  };
}

/** Counts verifications: the equal-cost tests and the benchmark read it. */
export function countingHasher(inner: PasswordHasher): PasswordHasher & { verifications: number } {
  const counted = {
    verifications: 0,
    hash: (password: string) => inner.hash(password),
    verify: (phc: string, password: string) => {
      counted.verifications++;
      return inner.verify(phc, password);
    },
    needsRehash: (phc: string) => inner.needsRehash(phc),
  };
  return counted;
}

/**
 * A hash of a random password with the current parameters: verifying against
 * it costs what a real verification costs, so an unknown user cannot be told
 * from a wrong password by timing (RFC 6749 §10.10 asks us not to help guessing).
 */
export async function decoyHash(hasher: PasswordHasher): Promise<string> {
  return hasher.hash(randomBytes(32).toString('base64url'));
}
