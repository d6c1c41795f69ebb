/** Comparing a freshly derived key with the stored one: in constant time, and never throwing (PasswordHasher.verify). */
import { timingSafeEqual } from 'node:crypto';
import { safely } from './algorithm.ts';

export function matchesDerivedKey(expected: Buffer, derive: () => Promise<Buffer>): Promise<boolean> {
  return safely(async () => {
    const actual = await derive();
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}
