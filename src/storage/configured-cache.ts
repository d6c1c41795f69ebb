/** Configured records (clients, connections, APIs) served from memory on the token endpoint's hot path. */
import type { ClientRecord } from '../model/client.ts';
import type { ApiRecord, ConnectionRecord } from '../model/directory.ts';
import type { Store } from './store.ts';

/** Cached records are frozen, so no caller can change what the next request reads; with a stack of its own, so no depth overflows it. */
export function deepFreeze<T>(value: T): T {
  const isObject = (item: unknown): item is object => item !== null && typeof item === 'object';
  const pending: object[] = isObject(value) ? [value] : [];
  const seen = new Set<object>();
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (seen.has(item)) continue;
    seen.add(Object.freeze(item));
    for (const inner of Object.values(item)) if (isObject(inner)) pending.push(inner);
  }
  return value;
}

/**
 * table -> key -> frozen record, reloaded once older than `ttlMs`: with several nodes on one database, a sync on
 * one node reaches the others within that bound; the node that syncs invalidates its own copy at once.
 */
export class ConfiguredCache {
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #tables = new Map<string, { loadedAt: number; records: Promise<Map<string, unknown>> }>();

  /** `clock` reads milliseconds (a monotonic clock by default; tests move a fake one instead of sleeping). */
  constructor(ttlMs: number, clock: () => number = () => performance.now()) {
    this.#ttlMs = ttlMs;
    this.#clock = clock;
  }

  /** Concurrent readers of an expired table share one reload; a failed reload is not kept. */
  records(table: string, load: () => Promise<[string, unknown][]>): Promise<Map<string, unknown>> {
    const now = this.#clock();
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

/** Every record of a table as [key, record] pairs: what the cache loads when a table is missing or stale. */
export type LoadRecords = (table: string, key: string) => Promise<[string, unknown][]>;

/** The read slices of configured records, served from `cache` and loaded by `load` (either store's). */
export function configuredReaders(cache: ConfiguredCache, load: LoadRecords): Pick<Store, 'clients' | 'connections' | 'apis'> {
  const records = (table: string, key: string) => cache.records(table, () => load(table, key));
  const get = async <T>(table: string, key: string, value: string) => (await records(table, key)).get(value) as T | undefined;
  const list = async <T>(table: string, key: string) => [...(await records(table, key)).values()] as T[];
  return {
    clients: {
      getClient: (clientId) => get<ClientRecord>('clients', 'client_id', clientId),
      listClients: () => list<ClientRecord>('clients', 'client_id'),
    },
    connections: {
      getConnection: (name) => get<ConnectionRecord>('connections', 'name', name),
      listConnections: () => list<ConnectionRecord>('connections', 'name'),
    },
    apis: {
      getApi: (identifier) => get<ApiRecord>('apis', 'identifier', identifier),
      listApis: () => list<ApiRecord>('apis', 'identifier'),
    },
  };
}
