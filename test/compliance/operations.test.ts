/** Operations: health endpoints and behaviour while the store is unreachable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { StoreUnavailableError } from '../../src/storage/errors.ts';
import { STORE_SLICES, type Store, type StoreSlices } from '../../src/storage/store.ts';
import { overriding, withSlice } from '../helpers/barrier.ts';
import { aliceLogin, start, webClient } from '../helpers/tollgate.ts';

/** A real store whose methods can be made to fail as an unreachable database does. */
function flakyStore(): { store: Store; down(isDown: boolean): void } {
  const real = openSqlite('sqlite::memory:');
  let isDown = false;
  /** Every method of `target` fails as an unreachable database would while `isDown`. */
  const failing = <T extends object>(target: T): T => new Proxy(target, {
    get(inner, prop) {
      const value: unknown = Reflect.get(inner, prop, inner);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (isDown) return Promise.reject(new StoreUnavailableError({ cause: new Error('connect ECONNREFUSED') }));
        return value.apply(inner, args);
      };
    },
  });
  // Each slice, and the store's own ping and purge; close still closes.
  const slices = Object.fromEntries(STORE_SLICES.map((name) => [name, failing(real[name])]));
  const store: Store = { ...(slices as unknown as StoreSlices), ping: failing(real).ping, purge: failing(real).purge, close: () => real.close() };
  return { store, down: (d) => { isDown = d; } };
}

test('GET /health/live answers 200 while the process runs', async (t) => {
  const tg = await start(t);
  const res = await tg.app.inject({ method: 'GET', url: '/health/live' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok' });
});

test('GET /health/ready is 200 with the store up and 503 naming it when it is down', async (t) => {
  const flaky = flakyStore();
  const tg = await start(t, undefined, { store: flaky.store });
  assert.equal((await tg.app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
  flaky.down(true);
  const res = await tg.app.inject({ method: 'GET', url: '/health/ready' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { status: 'unavailable', checks: { store: 'down' } });
});

test('RFC 6749 §5.2: an unreachable store answers 503 temporarily_unavailable with Retry-After, and the node recovers by itself', async (t) => {
  const flaky = flakyStore();
  const tg = await start(t, undefined, { store: flaky.store });
  flaky.down(true);
  const down = await tg.token(aliceLogin, { basic: webClient });
  assert.equal(down.status, 503);
  assert.equal(down.body.error, 'temporarily_unavailable');
  assert.equal(down.headers['retry-after'], '1');
  assert.equal(down.headers['cache-control'], 'no-store');
  flaky.down(false);
  assert.equal((await tg.token(aliceLogin, { basic: webClient })).status, 200);
});

test('nodes starting together: a configured user another node creates between our read and our insert is updated, not a failed start', async (t) => {
  const real = openSqlite('sqlite::memory:');
  // Every insert of ours comes just after the same insert by a node starting at the same time.
  const sqlUsers = real.users;
  const racing = withSlice(real, 'users', overriding(sqlUsers, {
    async createUser(...args: Parameters<Store['users']['createUser']>) {
      await sqlUsers.createUser(...args);
      return sqlUsers.createUser(...args);
    },
  }));
  const tg = await start(t, undefined, { store: racing });
  assert.equal((await tg.token(aliceLogin, { basic: webClient })).status, 200);
  const users = await real.users.listUsers({ limit: 10, offset: 0 });
  assert.deepEqual(users.map((u) => `${u.connection}/${u.username}`), ['customers/alice', 'customers/mallory', 'employees/alice']);
});
