/**
 * Timing calls for metrics and traces without touching the code that makes them: a store (and its slices), the
 * password hasher, the token issuer. Only built when metrics or tracing is on, so a node with both off runs the
 * objects as they are. Each method runs on its own object (not the wrapper), so private fields keep working.
 */

/** Called as a call starts; the function it returns is called as it ends (with the error, if it failed). */
export type CallObserver = (operation: string) => (error?: unknown) => void;

function timed(fn: (...args: unknown[]) => unknown, self: object, operation: string, observe: CallObserver) {
  return (...args: unknown[]) => {
    const end = observe(operation);
    let result: unknown;
    try {
      result = fn.apply(self, args);
    } catch (err) {
      end(err);
      throw err;
    }
    if (result instanceof Promise) {
      return result.then((value) => { end(); return value; }, (err: unknown) => { end(err); throw err; });
    }
    end();
    return result;
  };
}

/**
 * `target` with every method timed as `{prefix}{method}`; with `slices`, its object properties (a store's
 * `events`, `mfa` ...) are instrumented too, as `{prefix}{slice}.{method}`.
 */
export function instrument<T extends object>(target: T, observe: CallObserver, options: { prefix?: string; slices?: boolean } = {}): T {
  const prefix = options.prefix ?? '';
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof property === 'symbol' || value === null || (typeof value !== 'function' && typeof value !== 'object')) return value;
      if (typeof value === 'object' && !options.slices) return value;
      let proxy = wrapped.get(property);
      if (proxy === undefined) {
        proxy = typeof value === 'function'
          ? timed(value as (...args: unknown[]) => unknown, object, `${prefix}${property}`, observe)
          : instrument(value as object, observe, { prefix: `${prefix}${property}.` });
        wrapped.set(property, proxy);
      }
      return proxy;
    },
  });
}

/** Several observers as one (metrics and tracing both on). */
export function observeAll(observers: (CallObserver | undefined)[]): CallObserver | undefined {
  const present = observers.filter((o) => o !== undefined);
  if (present.length <= 1) return present[0];
  return (operation) => {
    const ends = present.map((observe) => observe(operation));
    return (error) => { for (const end of ends) end(error); };
  };
}
