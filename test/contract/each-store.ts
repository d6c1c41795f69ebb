/** Runs a contract once per store of stores.ts: `withStore` is a test that gets a fresh store, closed when it ends. */
import { describe, test } from 'node:test';
import type { Store } from '../../src/storage/store.ts';
import { stores } from './stores.ts';

export type WithStore = (name: string, body: (store: Store) => Promise<void>) => void;

export function forEachStore(title: string, contract: (withStore: WithStore) => void): void {
  for (const factory of stores) {
    describe(`${title}: ${factory.name}`, () => {
      contract((name, body) => test(name, async (t) => {
        const store = await factory.open();
        t.after(() => store.close());
        await body(store);
      }));
    });
  }
}
