/** Every store the contract suite runs against; a new backend adds one entry here. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/storage/interfaces.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { openTestPostgres } from '../helpers/postgres.ts';

export interface StoreFactory {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<Store>;
}

export const stores: StoreFactory[] = [
  { name: 'sqlite (memory)', open: async () => openSqlite('sqlite::memory:') },
  { name: 'sqlite (file, WAL)', open: async () => openSqlite(`sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-contract-')), 'db.sqlite')}`) },
  { name: 'postgres', open: () => openTestPostgres() },
];
