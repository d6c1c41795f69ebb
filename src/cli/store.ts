/** Commands that work on the store directly open it for one piece of work and always close it. */
import type { Config } from '../config/schema.ts';
import type { Store } from '../storage/interfaces.ts';
import { openStore, storeOptions } from '../storage/open.ts';

export async function withStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config.storage, storeOptions(config));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Unix seconds as an ISO 8601 instant, for human-readable output. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
