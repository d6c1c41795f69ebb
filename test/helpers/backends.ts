/** The stores a server can run on, each fresh: embedded SQLite, PostgreSQL, and PostgreSQL with Redis in front of it. */
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Store } from '../../src/storage/store.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { openTestPostgres } from './postgres.ts';
import { REDIS_URL, deleteUnder, testPrefix } from './redis.ts';
import { start, type TestTollgate } from './tollgate.ts';

export interface Backend {
  name: string;
  open: () => Promise<Store>;
  /** Whether Redis holds the token buckets (and the denylist) in front of the store. */
  cache: boolean;
}

export const BACKENDS: readonly Backend[] = [
  { name: 'sqlite', open: async () => openSqlite('sqlite::memory:'), cache: false },
  { name: 'postgres', open: () => openTestPostgres(), cache: false },
  { name: 'postgres + redis', open: () => openTestPostgres(), cache: true },
];

/** A fresh Tollgate on `backend`; its Redis keys, under a prefix of their own, are deleted when the test ends. */
export async function startOn(t: { after(fn: () => Promise<void>): void }, backend: Backend, modify: (c: ConfigInput) => void = () => {}): Promise<TestTollgate> {
  const prefix = testPrefix();
  if (backend.cache) t.after(() => deleteUnder(prefix));
  return start(t, (c) => {
    modify(c);
    if (backend.cache) {
      c.cache = REDIS_URL;
      c.cache_prefix = prefix;
    }
  }, { store: await backend.open() });
}
