/** The ceiling: argon2id verifications per second with nothing else running, on the same thread pool. */
import { verify } from '@node-rs/argon2';

/** `concurrency` loops, each awaiting one verification after another, for `seconds`; returns how many completed in time. */
export async function argon2Verifications(phc: string, password: string, concurrency: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let verifications = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      if (!(await verify(phc, password))) throw new Error('argon2 ceiling: verification failed');
      if (performance.now() <= deadline) verifications++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return verifications;
}
