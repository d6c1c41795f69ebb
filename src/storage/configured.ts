/** Configured records (clients, connections, APIs) served from memory on the token endpoint's hot path. */

/** Cached records are frozen, so no caller can change what the next request reads. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * table -> key -> frozen record, reloaded once older than `ttlMs`: with several nodes on one database, a sync on
 * one node reaches the others within that bound; the node that syncs invalidates its own copy at once.
 */
export class ConfiguredCache {
  readonly #ttlMs: number;
  readonly #tables = new Map<string, { loadedAt: number; records: Promise<Map<string, unknown>> }>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** Concurrent readers of an expired table share one reload; a failed reload is not kept. */
  records(table: string, load: () => Promise<[string, unknown][]>): Promise<Map<string, unknown>> {
    const now = performance.now();
    const cached = this.#tables.get(table);
    if (cached && now - cached.loadedAt < this.#ttlMs) return cached.records;
    const entry = { loadedAt: now, records: load().then((rows) => new Map(rows.map(([key, record]) => [key, deepFreeze(record)]))) };
    this.#tables.set(table, entry);
    entry.records.catch(() => {
      if (this.#tables.get(table) === entry) this.#tables.delete(table);
    });
    return entry.records;
  }

  invalidate(table: string): void {
    this.#tables.delete(table);
  }
}
