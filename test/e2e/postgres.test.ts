/** Two Tollgate nodes, in process, on one PostgreSQL database. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aliceLogin, webClient, type TestTollgate } from '../helpers/tollgate.ts';
import { nodesOnPostgres } from '../helpers/nodes.ts';

test('two nodes on one PostgreSQL database: a login on one refreshes on the other; one refresh token sent to both rotates once', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, (config) => {
    const web = config.clients!.find((c) => c.client_id === 'web')!;
    web.grant_types = [...web.grant_types!, 'refresh_token'];
  }) as [TestTollgate, TestTollgate];

  const login = await a.token({ ...aliceLogin, scope: 'openid offline_access' }, { basic: webClient });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const refreshed = await b.token({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token }, { basic: webClient });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));

  const both = await Promise.all([a, b].map((node) => node.token({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token }, { basic: webClient })));
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 400], 'exactly one node rotated it');
  assert.equal(both.find((r) => r.status === 400)?.body.error, 'invalid_grant');
});
