/** Every store the contract suite runs against; a new backend adds one entry here. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/storage/store.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { openTestPostgres } from '../helpers/postgres.ts';
import { withTestCache } from '../helpers/redis.ts';

export interface StoreFactory {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<Store>;
}

export const stores: StoreFactory[] = [
  { name: 'sqlite (memory)', open: async () => openSqlite('sqlite::memory:') },
  { name: 'sqlite (file, WAL)', open: async () => openSqlite(`sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-contract-')), 'db.sqlite')}`) },
  { name: 'postgres', open: () => openTestPostgres() },
  // Token buckets and the denylist in Redis (each store on its own key prefix), the rest in SQL.
  { name: 'sqlite + redis', open: async () => (await withTestCache(openSqlite('sqlite::memory:'))).store },
  { name: 'postgres + redis', open: async () => (await withTestCache(await openTestPostgres())).store },
];
