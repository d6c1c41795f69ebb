/** A node's SQLite store checkpoints its WAL from a worker thread, not in the COMMITs on the event loop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';
import { BACKSTOP_PAGES } from '../../../src/storage/sqlite/checkpoints.ts';
import type { NewUser } from '../../../src/model/user.ts';
import { within } from '../../helpers/poll.ts';

const T = 1_767_225_600;
const PAGE = 4096;

/** `count` users of about 700 bytes each. */
function users(count: number): NewUser[] {
  return Array.from({ length: count }, (_, i) => ({
    connection: 'customers', username: `user${i}`, email: null, email_verified: false, password_hash: `$argon2id$v=19$m=64,t=1,p=1$${'x'.repeat(600)}`,
    name: null, given_name: null, family_name: null, nickname: null, picture: null, blocked: false, app_metadata: {}, user_metadata: {},
  }));
}

test('SQLite with backgroundCheckpoints: the WAL reaches the database file from the worker while the writer\'s own checkpoint waits for the backstop', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-checkpoints-')), 'db.sqlite');
  const store = openSqlite(`sqlite:${path}`, { backgroundCheckpoints: true });
  t.after(() => store.close());
  const before = statSync(path).size;
  // About 2,700 pages: past SQLite's default automatic checkpoint (1,000 pages), short of the backstop, so only the worker
  // copies them into the database file.
  await store.users.importUsers(users(12_000), T, { upsert: false });
  const pages = statSync(`${path}-wal`).size / (PAGE + 24);
  assert.ok(pages > 2000 && pages < BACKSTOP_PAGES, `${pages} pages in the WAL`);
  await within(10_000, 'the committed pages copied into the database file', async () => statSync(path).size - before >= 2000 * PAGE);
});

test('SQLite with backgroundCheckpoints: close() ends the worker, and the file reopens with everything in it', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-checkpoints-')), 'db.sqlite');
  const store = openSqlite(`sqlite:${path}`, { backgroundCheckpoints: true });
  await store.users.importUsers(users(40), T, { upsert: false });
  await store.close();
  const reopened = openSqlite(`sqlite:${path}`);
  assert.equal(await reopened.users.countUsers({}), 40);
  await reopened.close();
});
