/**
 * A barrier for concurrency tests: calls to one store method are held until `count` of them have arrived, then all
 * go on at once. In-process requests otherwise run one after another far enough that a race never shows.
 */
import type { Store } from '../../src/storage/interfaces.ts';

export class Barrier {
  #count = 0;
  #arrived = 0;
  #open: () => void = () => {};
  #opened: Promise<void> = Promise.resolve();

  /** The next `count` calls wait for each other; calls beyond them, and calls while disarmed, pass. */
  arm(count: number): void {
    this.#count = count;
    this.#arrived = 0;
    this.#opened = new Promise((resolve) => { this.#open = resolve; });
  }

  /** Resolves when the armed number of callers has arrived. */
  async wait(): Promise<void> {
    if (this.#arrived >= this.#count) return;
    this.#arrived++;
    if (this.#arrived === this.#count) this.#open();
    await this.#opened;
  }
}

/**
 * `store`, with `findUserByLogin` (the account lookup every password login starts with, just before protection
 * admits it) held at `barrier`.
 */
export function heldAtLookup(store: Store, barrier: Barrier): Store {
  const find = store.findUserByLogin.bind(store);
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'findUserByLogin') {
        return async (...args: Parameters<Store['findUserByLogin']>) => {
          await barrier.wait();
          return find(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
