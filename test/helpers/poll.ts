/** Waiting for state without sleeping for it: a bounded poll. */
import assert from 'node:assert/strict';

/** Calls `probe` every 50 ms until it returns true; fails, naming `what`, after `ms` milliseconds. */
export async function within(ms: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return;
    if (performance.now() - start > ms) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
