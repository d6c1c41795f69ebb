/** The public realm list: GET {issuer}/realms?client_id=... lists the public connections the client may use. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigInput } from '../../src/config/schema.ts';
import { start, type TestTollgate } from '../helpers/tollgate.ts';

function withPublicRealms(config: ConfigInput): void {
  config.connections = [
    { name: 'customers', display_name: 'Customers', public: true },
    { name: 'employees', display_name: 'Employees', public: true },
    { name: 'partners', display_name: 'Partners' },
  ];
}

const realms = (tg: TestTollgate, query: string) => tg.app.inject({ method: 'GET', url: `/realms${query}` });

describe('GET /realms', () => {
  test('lists only public connections, with their display names, cacheable', async (t) => {
    const tg = await start(t, withPublicRealms);
    const res = await realms(tg, '?client_id=web');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { realms: [{ name: 'customers', display_name: 'Customers' }, { name: 'employees', display_name: 'Employees' }] });
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
  });

  test("a client limited to some connections sees only those, never another client's", async (t) => {
    const tg = await start(t, withPublicRealms);
    // mobile may use customers only; web may use all.
    assert.deepEqual((await realms(tg, '?client_id=mobile')).json(), { realms: [{ name: 'customers', display_name: 'Customers' }] });
  });

  test('no connection is listed unless public (the default)', async (t) => {
    const tg = await start(t);
    assert.deepEqual((await realms(tg, '?client_id=web')).json(), { realms: [] });
  });

  for (const [what, query] of [['an unknown client', '?client_id=nobody'], ['no client_id', ''], ['an empty client_id', '?client_id='],
    ['a repeated client_id', '?client_id=web&client_id=mobile']] as const) {
    test(`${what}: 400 invalid_request, no realm listed`, async (t) => {
      const tg = await start(t, withPublicRealms);
      const res = await realms(tg, query);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'invalid_request');
      assert.equal(res.json().realms, undefined);
      assert.doesNotMatch(res.body, /customers|employees/);
    });
  }

  test('a connection the management API made public is listed; other methods answer 405', async (t) => {
    const tg = await start(t);
    await tg.store.configured.insertRecord('connections', { name: 'extra', display_name: 'Extra', mfa: { policy: 'never', factors: ['otp'] }, public: true });
    assert.deepEqual((await realms(tg, '?client_id=web')).json(), { realms: [{ name: 'extra', display_name: 'Extra' }] });
    const post = await tg.app.inject({ method: 'POST', url: '/realms?client_id=web' });
    assert.equal(post.statusCode, 405);
  });
});
