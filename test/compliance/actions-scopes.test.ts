/** api.accessToken.removeScope (Auth0's): a post-login action narrows the tokens' scopes, at login and at every refresh. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { API, PASSWORD, REALM_GRANT, start, webClient } from '../helpers/tollgate.ts';

const removeScope = fileURLToPath(new URL('../fixtures/actions/remove-scope.ts', import.meta.url));

test('removeScope takes a scope out of the answer, the access token and every refresh; another connection keeps it', async (t) => {
  const tg = await start(t, (c) => {
    c.actions = [{ name: 'items-scopes', module: removeScope }];
    c.clients = c.clients!.map((client) => client.client_id === 'web' ? { ...client, grant_types: [...client.grant_types!, 'refresh_token'] } : client);
  });
  const scope = 'openid offline_access read:items write:items';
  const customer = await tg.token({ grant_type: REALM_GRANT, realm: 'customers', username: 'alice', password: PASSWORD, scope, audience: API }, { basic: webClient });
  assert.equal(customer.status, 200, JSON.stringify(customer.body));
  assert.equal(customer.body.scope, 'openid offline_access read:items');
  const claims = decodeJwt(customer.body.access_token);
  assert.equal(claims.scope, 'openid offline_access read:items');
  assert.equal(claims['https://tollgate.test/seen'], 'openid offline_access read:items', 'the event shows the narrowed scopes');
  const refreshed = await tg.token({ grant_type: 'refresh_token', refresh_token: customer.body.refresh_token }, { basic: webClient });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  assert.equal(decodeJwt(refreshed.body.access_token).scope, 'openid offline_access read:items');
  // Asking for it at refresh does not bring it back: a refresh may only narrow (RFC 6749 §6).
  const widened = await tg.token({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, scope }, { basic: webClient });
  assert.equal(widened.body.error, 'invalid_scope');

  const employee = await tg.token({ grant_type: REALM_GRANT, realm: 'employees', username: 'alice', password: 'employee-password', scope, audience: API }, { basic: webClient });
  assert.equal(employee.body.scope, scope);
});
