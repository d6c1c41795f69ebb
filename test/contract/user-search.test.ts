/**
 * Auth0's user search on every store: the same queries, parsed once, answer the same users on SQLite and
 * PostgreSQL (fields, phrases, prefixes, boolean operators, ranges, _exists_, metadata paths, sort), and values that
 * look like SQL are only ever values.
 */
import assert from 'node:assert/strict';
import type { NewUser } from '../../src/model/user.ts';
import type { Store } from '../../src/storage/store.ts';
import { parseUserQuery } from '../../src/protocol/user-query.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;
const DAY = 86_400;

function user(username: string, overrides: Partial<NewUser> = {}): NewUser {
  return {
    connection: 'customers', username, email: `${username.toLowerCase()}@example.com`, email_verified: false, password_hash: '$argon2id$v=19$m=64,t=1,p=1$x$y',
    name: null, given_name: null, family_name: null, nickname: null, picture: null, blocked: false, app_metadata: {}, user_metadata: {}, ...overrides,
  };
}

async function seed(store: Store): Promise<void> {
  await store.users.createUser(user('Alice', { name: 'Alice Liddell', email_verified: true, app_metadata: { plan: 'gold', seats: 12, beta: true } }), T);
  await store.users.createUser(user('alfred', { name: 'Alfred Pennyworth', user_metadata: { city: 'Gotham' } }), T + DAY);
  await store.users.createUser(user('bob', { blocked: true, app_metadata: { plan: 'silver', seats: 3 } }), T + 2 * DAY);
  await store.users.createUser(user('carol_x%', { connection: 'employees', email: null, app_metadata: { plan: 'gold', seats: 40 } }), T + 3 * DAY);
}

async function usernames(store: Store, q: string, sort?: { field: string; descending: boolean }): Promise<string[]> {
  const users = await store.users.listUsers({ query: parseUserQuery(q), ...(sort ? { sort } : {}), limit: 50, offset: 0 });
  return sort ? users.map((u) => u.username) : users.map((u) => u.username).sort();
}

forEachStore('user search (Auth0 v3 query syntax)', (withStore) => {
  withStore('fields, phrases, prefixes and bare terms, case-insensitive on names and addresses', async (store) => {
    await seed(store);
    assert.deepEqual(await usernames(store, 'email:"ALICE@example.com"'), ['Alice']);
    assert.deepEqual(await usernames(store, 'username:al*'), ['Alice', 'alfred']);
    assert.deepEqual(await usernames(store, 'name:"alfred pennyworth"'), ['alfred']);
    assert.deepEqual(await usernames(store, 'name:ali*'), ['Alice']);
    assert.deepEqual(await usernames(store, 'bob'), ['bob'], 'a bare term matches the username');
    assert.deepEqual(await usernames(store, 'username:carol_x%'), ['carol_x%']);
    assert.deepEqual(await usernames(store, 'username:carol_*'), ['carol_x%'], 'LIKE characters in a prefix are literal');
    assert.deepEqual(await usernames(store, 'username:c%*'), []);
    assert.deepEqual(await store.users.countUsers({ query: parseUserQuery('username:al*') }), 2);
  });

  withStore('AND, OR, NOT, -, groups, booleans, connection and identities.connection', async (store) => {
    await seed(store);
    assert.deepEqual(await usernames(store, 'username:al* AND email_verified:true'), ['Alice']);
    assert.deepEqual(await usernames(store, 'username:al* email_verified:false'), ['alfred'], 'terms side by side are ANDed');
    assert.deepEqual(await usernames(store, 'username:bob OR identities.connection:employees'), ['bob', 'carol_x%']);
    assert.deepEqual(await usernames(store, 'NOT blocked:true AND connection:customers'), ['Alice', 'alfred']);
    assert.deepEqual(await usernames(store, '-(username:al* OR blocked:true)'), ['carol_x%']);
    assert.deepEqual(await usernames(store, 'NOT email:"alice@example.com"'), ['alfred', 'bob', 'carol_x%'], 'a user without an email is not excluded by NOT');
  });

  withStore('ranges on dates and numbers, comparisons, _exists_ and metadata paths', async (store) => {
    await seed(store);
    assert.deepEqual(await usernames(store, 'created_at:[2026-01-02 TO *]'), ['alfred', 'bob', 'carol_x%']);
    assert.deepEqual(await usernames(store, 'created_at:{2026-01-02 TO 2026-01-04}'), ['bob'], 'both ends exclusive');
    assert.deepEqual(await usernames(store, 'created_at:2026-01-01'), ['Alice'], 'a date is its whole day');
    assert.deepEqual(await usernames(store, `created_at:>=${T + 2 * DAY}`), ['bob', 'carol_x%']);
    assert.deepEqual(await usernames(store, 'app_metadata.plan:gold'), ['Alice', 'carol_x%']);
    assert.deepEqual(await usernames(store, 'app_metadata.seats:[10 TO 40}'), ['Alice']);
    assert.deepEqual(await usernames(store, 'app_metadata.seats:>3'), ['Alice', 'carol_x%']);
    assert.deepEqual(await usernames(store, 'app_metadata.beta:true'), ['Alice']);
    assert.deepEqual(await usernames(store, 'user_metadata.city:Goth*'), ['alfred']);
    assert.deepEqual(await usernames(store, '_exists_:user_metadata.city'), ['alfred']);
    assert.deepEqual(await usernames(store, '_exists_:email'), ['Alice', 'alfred', 'bob']);
    assert.deepEqual(await usernames(store, 'NOT _exists_:app_metadata.plan'), ['alfred']);
  });

  withStore('sort by a field either way; values that look like SQL are values', async (store) => {
    await seed(store);
    assert.deepEqual(await usernames(store, 'connection:customers', { field: 'created_at', descending: true }), ['bob', 'alfred', 'Alice']);
    assert.deepEqual(await usernames(store, 'connection:customers', { field: 'email', descending: false }), ['alfred', 'Alice', 'bob']);
    for (const hostile of [`username:"x' OR '1'='1"`, 'app_metadata.plan:"gold\') OR 1=1 --"', 'name:"; DROP TABLE users; --"', `email:"\\" OR 1=1"`]) {
      assert.deepEqual(await usernames(store, hostile), [], hostile);
    }
    assert.equal(await store.users.countUsers({}), 4, 'nothing was dropped');
  });
});
