/**
 * A barrier for concurrency tests. The embedded store answers synchronously, so requests made together in one process
 * still run one after another and a race a guarantee protects against never happens. Holding the first `parties`
 * calls of one store method until all of them have arrived puts every request at the critical point together: each
 * has read the state before any has written it, and only the store's conditional write can tell them apart.
 */
import type { Store, StoreSlices } from '../../src/storage/store.ts';

type AsyncMethod = (...args: any[]) => Promise<unknown>;
type AsyncMethodNames<T> = { [K in keyof T]: T[K] extends AsyncMethod ? K : never }[keyof T];

export interface HeldCalls {
  /** Calls the method received, held or not. */
  readonly calls: number;
}

/** Wraps `target[method]` so that each call first awaits `before(...its arguments)`; counts the calls. */
function wrap<T extends object>(target: T, method: AsyncMethodNames<T>, before: (...args: unknown[]) => Promise<void> | void): HeldCalls {
  const original = (target[method] as AsyncMethod).bind(target);
  const state = { calls: 0 };
  (target as Record<PropertyKey, unknown>)[method] = async (...args: unknown[]) => {
    state.calls++;
    await before(...args);
    return original(...args);
  };
  return state;
}

/** Counts the calls of `target[method]` without holding them. */
export function countCalls<T extends object>(target: T, method: AsyncMethodNames<T>): HeldCalls {
  return wrap(target, method, () => {});
}

/**
 * Replaces `target[method]` with one whose first `parties` calls wait until `parties` calls have arrived; later calls
 * pass straight through. A barrier that does not fill within `timeoutMs` fails those calls, so a request that never
 * reaches the critical point fails the test rather than hanging it.
 */
export function holdCalls<T extends object>(target: T, method: AsyncMethodNames<T>, parties: number, timeoutMs = 5_000): HeldCalls {
  let arrived = 0;
  let open!: () => void;
  let fail!: (err: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  gate.catch(() => {});
  const timer = setTimeout(() => fail(new Error(`barrier: ${arrived} of ${parties} calls of ${String(method)} arrived`)), timeoutMs);
  timer.unref();
  return wrap(target, method, async () => {
    if (arrived >= parties) return;
    if (++arrived === parties) {
      clearTimeout(timer);
      open();
    }
    await gate;
  });
}

/**
 * Makes the calls of `target[method]` (those `when` picks, by default all) wait at `barrier`, armed by the caller:
 * one barrier can hold calls on several nodes' stores together, or several barriers hold each request twice.
 */
export function holdAt<T extends object>(barrier: Barrier, target: T, method: AsyncMethodNames<T>, when: (...args: any[]) => boolean = () => true): HeldCalls {
  return wrap(target, method, (...args) => (when(...args) ? barrier.wait() : undefined));
}

/**
 * An armable barrier for requests built before the store is opened (a Proxy keeps the store itself untouched):
 * calls to one store method are held until `count` of them have arrived, then all go on at once.
 */
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
  const users = store.users;
  return withSlice(store, 'users', overriding(users, {
    async findUserByLogin(...args: Parameters<Store['users']['findUserByLogin']>) {
      await barrier.wait();
      return users.findUserByLogin(...args);
    },
  }));
}

/** `target` with some methods replaced; the others still act on `target` (whose private fields they may read). */
export function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(inner, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof T];
      const value: unknown = Reflect.get(inner, prop, inner);
      return typeof value === 'function' ? value.bind(inner) : value;
    },
  });
}

/** `store` with one slice replaced; its lifecycle methods still act on `store`. */
export function withSlice<K extends keyof StoreSlices>(store: Store, name: K, slice: Store[K]): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === name) return slice;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
