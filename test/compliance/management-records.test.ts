/** /api/v2/clients, /connections and /resource-servers: records the API owns beside the configuration file's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { MANAGEMENT, startManaged, type ManagedTollgate } from '../helpers/management.ts';
import { API, PASSWORD, REALM_GRANT, SECRET, basicAuth } from '../helpers/tollgate.ts';
import { clientView, clientWithSecret } from '../../src/management/clients.ts';
import { connectionView } from '../../src/management/connections.ts';
import { apiView } from '../../src/management/resource-servers.ts';

const job = { client_id: 'nightly-job', grant_types: ['client_credentials'], api_grants: { [API]: ['read:items'] } };

function credentials(tg: ManagedTollgate, clientId: string, secret: string, audience = API) {
  return tg.token({ grant_type: 'client_credentials', audience }, { basic: [clientId, secret] });
}

async function lastEvent(tg: ManagedTollgate, type: 'client.created' | 'client.secret_rotated' | 'connection.updated' | 'api.deleted') {
  return (await tg.store.events.listEvents({ type, limit: 1 }))[0];
}

// ---- Clients ----

test('POST /clients: a confidential client gets a generated secret, returned this once and working at once; never shown again', async (t) => {
  const tg = await startManaged(t);
  const res = await tg.call('POST', '/clients', { body: job });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const created = clientWithSecret.strict().parse(res.body);
  assert.equal(created.managed_by, 'api');
  assert.match(created.client_secret!, /^[\w-]{43}$/, '256 random bits');
  assert.match((await tg.store.clients.getClient('nightly-job'))!.secret_hash!, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await credentials(tg, 'nightly-job', created.client_secret!)).status, 200, 'usable without a restart');
  const read = await tg.call('GET', '/clients/nightly-job');
  clientView.strict().parse(read.body);
  assert.deepEqual(read.body.client_metadata, {}, 'none given');
  const tagged = await tg.call('PATCH', '/clients/nightly-job', { body: { client_metadata: { tier: 'gold' } } });
  assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
  assert.deepEqual((await tg.store.clients.getClient('nightly-job'))!.client_metadata, { tier: 'gold' }, 'what post-login actions read');
  assert.ok(!JSON.stringify(read.body).includes(created.client_secret!) && !('secret_hash' in read.body));
  assert.ok(!tg.logs.join('').includes(created.client_secret!), 'the secret is never logged');
  assert.deepEqual([(await lastEvent(tg, 'client.created'))?.reason, (await lastEvent(tg, 'client.created'))?.client_id], ['nightly-job', 'ops']);

  const generated = await tg.call('POST', '/clients', { body: { token_endpoint_auth_method: 'none', grant_types: [REALM_GRANT], connections: ['customers'] } });
  assert.equal(generated.status, 201, JSON.stringify(generated.body));
  assert.match(generated.body.client_id, /^[0-9a-f]{32}$/, 'a client_id is made when none is given');
  assert.equal(generated.body.client_secret, undefined, 'a public client has no secret');
  const login = await tg.token({ grant_type: REALM_GRANT, client_id: generated.body.client_id, realm: 'customers', username: 'alice', password: PASSWORD });
  assert.equal(login.status, 200, JSON.stringify(login.body));
});

test('POST /clients: the configuration\'s rules apply, each problem naming its field; a taken client_id is 409', async (t) => {
  const tg = await startManaged(t);
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }, 'grant_types', /confidential client/],
    [{ connections: ['partners'] }, 'connections[0]', /unknown connection "partners"/],
    [{ connections: ['employees'], default_connection: 'customers' }, 'default_connection', /not in the client's connections/],
    [{ grant_types: ['client_credentials'], api_grants: { [API]: ['delete:everything'] } }, 'api_grants', /defines no scope "delete:everything"/],
    [{ grant_types: ['client_credentials'], api_grants: { 'https://nowhere': [] } }, 'api_grants', /unknown API/],
    [{ grant_types: ['pasword'] }, 'grant_types[0]', /unknown grant type "pasword"/],
    [{ client_secret: 'chosen-by-me' }, 'client_secret', /unknown key/],
  ];
  for (const [body, field, message] of cases) {
    const res = await tg.call('POST', '/clients', { body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.errorCode, 'invalid_body');
    const problem = res.body.fields.find((f: { field: string }) => f.field === field);
    assert.match(problem?.message ?? JSON.stringify(res.body.fields), message);
  }
  const taken = await tg.call('POST', '/clients', { body: { ...job, client_id: 'web' } });
  assert.deepEqual([taken.status, taken.body.errorCode], [409, 'conflict']);
  assert.equal((await tg.call('GET', '/clients')).body.length, 4, 'nothing was created');
});

test('PATCH /clients/{id}: changes what it names and keeps the rest; public and confidential do not swap; the file\'s clients are read-only', async (t) => {
  const tg = await startManaged(t);
  await tg.call('POST', '/clients', { body: { ...job, grant_types: ['client_credentials', 'refresh_token', 'password'], refresh_token: { rotation: 'non-rotating', leeway: 3 } } });
  const res = await tg.call('PATCH', '/clients/nightly-job', { body: { name: 'Nightly', refresh_token: { leeway: 10 }, scope: 'openid' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual([res.body.name, res.body.refresh_token.rotation, res.body.refresh_token.leeway, res.body.scope], ['Nightly', 'non-rotating', 10, 'openid']);
  assert.equal((await tg.call('PATCH', '/clients/nightly-job', { body: { scope: null } })).body.scope, null, 'null clears');
  const origins = await tg.call('PATCH', '/clients/nightly-job', { body: { allowed_origins: ['https://app.example.com'] } });
  assert.deepEqual(origins.body.allowed_origins, ['https://app.example.com']);
  assert.equal((await tg.call('PATCH', '/clients/nightly-job', { body: { allowed_origins: ['https://*.example.com'] } })).status, 400, 'no wildcard');
  const swap = await tg.call('PATCH', '/clients/nightly-job', { body: { token_endpoint_auth_method: 'none' } });
  assert.deepEqual([swap.status, swap.body.fields[0].field], [400, 'token_endpoint_auth_method']);
  const broken = await tg.call('PATCH', '/clients/nightly-job', { body: { api_grants: { [API]: ['nope'] } } });
  assert.deepEqual([broken.status, broken.body.fields[0].field], [400, 'api_grants']);
  for (const [method, path] of [['PATCH', '/clients/web'], ['DELETE', '/clients/web'], ['POST', '/clients/web/rotate-secret']] as const) {
    const res = await tg.call(method, path, { body: method === 'PATCH' ? { name: 'x' } : undefined });
    assert.deepEqual([res.status, res.body.errorCode], [409, 'config_managed'], `${method} ${path}`);
  }
  assert.equal((await tg.call('PATCH', '/clients/nobody', { body: { name: 'x' } })).status, 404);
  assert.equal((await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: ['web', SECRET] })).status, 200, 'the file\'s client is untouched');
});

test('POST /clients/{id}/rotate-secret: the old secret stops working at once, the new one (shown once) works; public clients have none', async (t) => {
  const tg = await startManaged(t);
  const first = (await tg.call('POST', '/clients', { body: job })).body.client_secret;
  const rotated = await tg.call('POST', '/clients/nightly-job/rotate-secret');
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  const second = clientWithSecret.strict().parse(rotated.body).client_secret!;
  assert.notEqual(second, first);
  assert.equal((await credentials(tg, 'nightly-job', first)).status, 401);
  assert.equal((await credentials(tg, 'nightly-job', second)).status, 200);
  assert.equal((await lastEvent(tg, 'client.secret_rotated'))?.reason, 'nightly-job');
  const publicClient = (await tg.call('POST', '/clients', { body: { token_endpoint_auth_method: 'none', grant_types: ['password'] } })).body.client_id;
  assert.equal((await tg.call('POST', `/clients/${publicClient}/rotate-secret`)).status, 409);
});

test('DELETE /clients/{id}: the client stops authenticating at once, and a management token it held stops working too', async (t) => {
  const tg = await startManaged(t);
  const admin = (await tg.call('POST', '/clients', { body: { client_id: 'admin', grant_types: ['client_credentials'], api_grants: { [MANAGEMENT]: ['read:users'] } } })).body;
  const token = (await credentials(tg, 'admin', admin.client_secret, MANAGEMENT)).body.access_token;
  assert.equal((await tg.call('GET', '/users', { token })).status, 200);
  assert.equal((await tg.call('DELETE', '/clients/admin')).status, 204);
  assert.equal((await credentials(tg, 'admin', admin.client_secret, MANAGEMENT)).status, 401);
  assert.equal((await tg.call('GET', '/users', { token })).status, 401);
  assert.equal((await tg.call('DELETE', '/clients/admin')).status, 404);
});

test('DELETE /clients/{id}: the user access tokens and client_credentials tokens it was issued stop working before their exp (RFC 6750 §3.1, RFC 7662 §2.2)', async (t) => {
  const tg = await startManaged(t, (c) => {
    c.clients!.push({ client_id: 'rs', client_secret: SECRET, grant_types: ['client_credentials'], introspection: true, api_grants: { [API]: ['read:items'] } });
  });
  const app = (await tg.call('POST', '/clients', { body: { client_id: 'app', grant_types: ['password', 'client_credentials'], api_grants: { [API]: ['read:items'] } } })).body;
  const login = await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid', audience: API }, { basic: ['app', app.client_secret] });
  const machine = await credentials(tg, 'app', app.client_secret);
  assert.deepEqual([login.status, machine.status], [200, 200], JSON.stringify([login.body, machine.body]));
  const userinfo = () => tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${login.body.access_token}` } });
  const introspect = async (token: string) => (await tg.app.inject({
    method: 'POST', url: '/oauth/introspect', headers: { authorization: basicAuth('rs', SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token }).toString(),
  })).json();
  assert.equal((await userinfo()).statusCode, 200);
  assert.equal((await introspect(machine.body.access_token)).active, true);

  assert.equal((await tg.call('DELETE', '/clients/app')).status, 204);
  const refused = await userinfo();
  assert.equal(refused.statusCode, 401);
  assert.match(String(refused.headers['www-authenticate']), /error="invalid_token"/);
  assert.deepEqual(await introspect(login.body.access_token), { active: false });
  assert.deepEqual(await introspect(machine.body.access_token), { active: false });
});

test('create:clients or update:clients never grants more management scopes than the caller holds (403 insufficient_scope)', async (t) => {
  const tg = await startManaged(t);
  const token = await tg.managementToken(['create:clients', 'update:clients', 'read:users']);
  const admin = { client_id: 'admin', grant_types: ['client_credentials'], api_grants: { [MANAGEMENT]: ['read:users', 'delete:users'] } };
  const escalate = await tg.call('POST', '/clients', { token, body: admin });
  assert.deepEqual([escalate.status, escalate.body.errorCode], [403, 'insufficient_scope']);
  assert.match(String(escalate.headers['www-authenticate']), /scope="delete:users"/);
  assert.equal((await tg.call('POST', '/clients', { token, body: { ...admin, api_grants: { [MANAGEMENT]: ['read:users'] } } })).status, 201, 'what it holds, it may grant');
  const widen = await tg.call('PATCH', '/clients/admin', { token, body: { api_grants: { [MANAGEMENT]: ['read:users', 'create:clients', 'delete:users'] } } });
  assert.equal(widen.status, 403);
  assert.deepEqual((await tg.store.clients.getClient('admin'))?.api_grants[MANAGEMENT], ['read:users']);
});

test('GET /clients: the file\'s and the API\'s clients, each saying who manages it, paged', async (t) => {
  const tg = await startManaged(t);
  await tg.call('POST', '/clients', { body: job });
  const all = z.array(clientView.strict()).parse((await tg.call('GET', '/clients')).body);
  assert.deepEqual(all.map((c) => [c.client_id, c.managed_by]), [['mobile', 'config'], ['nightly-job', 'api'], ['ops', 'config'], ['post', 'config'], ['web', 'config']]);
  const page = await tg.call('GET', '/clients?per_page=2&page=2&include_totals=true');
  assert.deepEqual([page.body.total, page.body.start, page.body.clients.map((c: { client_id: string }) => c.client_id)], [5, 4, ['web']]);
});

// ---- Connections ----

test('connections: created, used at once (users, realm logins), changed, and deleted only once no user or client needs them', async (t) => {
  const tg = await startManaged(t);
  const created = await tg.call('POST', '/connections', { body: { name: 'partners', display_name: 'Partners' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(connectionView.strict().parse(created.body), { name: 'partners', display_name: 'Partners', public: false, mfa: { policy: 'never', factors: ['otp', 'recovery-code'] }, managed_by: 'api' });
  const user = (await tg.call('POST', '/users', { body: { connection: 'partners', username: 'pat', password: 'granite-Lantern-82' } })).body;
  const login = await tg.token({ grant_type: REALM_GRANT, realm: 'partners', username: 'pat', password: 'granite-Lantern-82' }, { basic: ['web', SECRET] });
  assert.equal(login.status, 200, JSON.stringify(login.body));

  const renamed = await tg.call('PATCH', '/connections/partners', { body: { display_name: null, public: true, mfa: { factors: ['otp'] } } });
  assert.deepEqual([renamed.body.display_name, renamed.body.public, renamed.body.mfa], [null, true, { policy: 'never', factors: ['otp'] }]);
  // Made public, it is listed at once in the realm list of a client that may use it.
  assert.deepEqual((await tg.app.inject({ method: 'GET', url: '/realms?client_id=web' })).json(), { realms: [{ name: 'partners', display_name: null }] });
  assert.equal((await lastEvent(tg, 'connection.updated'))?.connection, 'partners');
  const inUse = await tg.call('DELETE', '/connections/partners');
  assert.deepEqual([inUse.status, inUse.body.message], [409, "The connection 'partners' still has 1 user: delete them first."]);
  await tg.call('DELETE', `/users/${user.user_id}`);
  await tg.call('POST', '/clients', { body: { token_endpoint_auth_method: 'none', grant_types: [REALM_GRANT], connections: ['partners'], client_id: 'partner-app' } });
  assert.match((await tg.call('DELETE', '/connections/partners')).body.message, /used by the client 'partner-app'/);
  await tg.call('DELETE', '/clients/partner-app');
  assert.equal((await tg.call('DELETE', '/connections/partners')).status, 204);
  assert.equal((await tg.call('GET', '/connections/partners')).status, 404);
  assert.equal((await tg.token({ grant_type: REALM_GRANT, realm: 'partners', username: 'pat', password: 'granite-Lantern-82' }, { basic: ['web', SECRET] })).status, 400);
});

test('connections: the file\'s are read-only; a name is unique; MFA settings that would strand a login are refused, naming why', async (t) => {
  const tg = await startManaged(t);
  assert.deepEqual((await tg.call('GET', '/connections')).body.map((c: { name: string; managed_by: string }) => [c.name, c.managed_by]), [['customers', 'config'], ['employees', 'config']]);
  assert.equal((await tg.call('PATCH', '/connections/customers', { body: { display_name: 'x' } })).body.errorCode, 'config_managed');
  assert.equal((await tg.call('DELETE', '/connections/customers')).body.errorCode, 'config_managed');
  assert.equal((await tg.call('POST', '/connections', { body: { name: 'customers' } })).status, 409);
  assert.equal((await tg.call('POST', '/connections', { body: { name: 'bad name!' } })).body.fields[0].field, 'name');
  const email = await tg.call('POST', '/connections', { body: { name: 'partners', mfa: { policy: 'if_enrolled', factors: ['email'] } } });
  assert.equal(email.status, 400);
  assert.deepEqual(email.body.fields.map((f: { field: string; message: string }) => `${f.field}: ${f.message.split(' (')[0]}`), [
    'mfa.factors: email needs mfa.email',
    'mfa.policy: client "post" would break: grant_types: MFA may be required',
    'mfa.policy: client "web" would break: grant_types: MFA may be required',
  ], 'mobile may use only customers; ops has no login grant');
  assert.equal((await tg.call('GET', '/connections/partners')).status, 404, 'nothing was created');
});

// ---- Resource servers ----

test('resource servers: an API created here is an audience at once; granted scopes and granted APIs cannot be removed; Tollgate\'s own are read-only', async (t) => {
  const tg = await startManaged(t);
  const created = await tg.call('POST', '/resource-servers', { body: { identifier: 'https://billing.example.com', scopes: ['read:invoices', 'pay'], access_token_ttl: 120 } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  apiView.strict().parse(created.body);
  const secret = (await tg.call('POST', '/clients', { body: { client_id: 'billing-job', grant_types: ['client_credentials'], api_grants: { 'https://billing.example.com': ['pay'] } } })).body.client_secret;
  const token = await credentials(tg, 'billing-job', secret, 'https://billing.example.com');
  assert.deepEqual([token.status, token.body.scope, token.body.expires_in], [200, 'pay', 120]);

  const encoded = `/resource-servers/${encodeURIComponent('https://billing.example.com')}`;
  assert.equal((await tg.call('GET', encoded)).body.identifier, 'https://billing.example.com');
  const granted = await tg.call('PATCH', encoded, { body: { scopes: ['read:invoices'] } });
  assert.deepEqual([granted.status, granted.body.message], [409, "The scope 'pay' of 'https://billing.example.com' is used by the client 'billing-job': change it first."]);
  const renamed = await tg.call('PATCH', encoded, { body: { name: 'Billing', scopes: ['pay', 'refund'], access_token_ttl: null } });
  assert.deepEqual([renamed.body.name, renamed.body.scopes, renamed.body.access_token_ttl], ['Billing', ['pay', 'refund'], null]);
  assert.equal((await tg.call('DELETE', encoded)).status, 409, 'a client is granted it');
  await tg.call('DELETE', '/clients/billing-job');
  assert.equal((await tg.call('DELETE', encoded)).status, 204);
  assert.equal((await lastEvent(tg, 'api.deleted'))?.reason, 'https://billing.example.com');

  const apis = (await tg.call('GET', '/resource-servers')).body as { identifier: string; managed_by: string }[];
  assert.deepEqual(apis.map((a) => [a.identifier, a.managed_by]), [
    ['http://tollgate.test/api/v2/', 'config'], ['http://tollgate.test/mfa/', 'config'], [API, 'config'], ['https://other.example.com', 'config'],
  ]);
  assert.equal((await tg.call('PATCH', `/resource-servers/${encodeURIComponent(MANAGEMENT)}`, { body: { scopes: [] } })).body.errorCode, 'config_managed');
  assert.equal((await tg.call('POST', '/resource-servers', { body: { identifier: MANAGEMENT } })).status, 409);
  const bad = await tg.call('POST', '/resource-servers', { body: { identifier: 'x', scopes: ['has space'], access_token_ttl: 0 } });
  assert.deepEqual(bad.body.fields.map((f: { field: string }) => f.field), ['scopes[0]', 'access_token_ttl']);
  assert.equal((await tg.app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basicAuth('web', SECRET) } })).statusCode, 400);
});
