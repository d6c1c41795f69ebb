/** Management changes on several nodes of one PostgreSQL database: each node sees them within storage_cache_ttl. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodesOnPostgres } from '../helpers/nodes.ts';
import { managed, withOps } from '../helpers/management.ts';
import { API, SECRET } from '../helpers/tollgate.ts';

const job = { client_id: 'nightly-job', grant_types: ['client_credentials'], api_grants: { [API]: ['read:items'] } };

test('storage_cache_ttl 0: a client created or deleted through one node is seen by the other at its next request; users always are', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, (config) => { withOps(config); config.storage_cache_ttl = 0; });
  const secret = (await managed(a!).call('POST', '/clients', { body: job })).body.client_secret;
  assert.equal((await b!.token({ grant_type: 'client_credentials', audience: API }, { basic: ['nightly-job', secret] })).status, 200);
  await managed(a!).call('POST', '/users', { body: { connection: 'customers', username: 'carol', password: 'tulip-Mosaic-47' } });
  assert.equal((await b!.token({ grant_type: 'password', username: 'carol', password: 'tulip-Mosaic-47' }, { basic: ['web', SECRET] })).status, 200);
  await managed(a!).call('DELETE', '/clients/nightly-job');
  assert.equal((await b!.token({ grant_type: 'client_credentials', audience: API }, { basic: ['nightly-job', secret] })).status, 401);
});

test('storage_cache_ttl 1 h: the node that made a change sees it at once, another keeps serving what it had read until its cache expires', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, (config) => { withOps(config); config.storage_cache_ttl = 3_600_000; });
  assert.equal((await b!.token({ grant_type: 'client_credentials', audience: API }, { basic: ['nightly-job', 'x'] })).status, 401, 'b reads the clients now');
  const secret = (await managed(a!).call('POST', '/clients', { body: job })).body.client_secret;
  assert.equal((await a!.token({ grant_type: 'client_credentials', audience: API }, { basic: ['nightly-job', secret] })).status, 200);
  assert.equal((await b!.token({ grant_type: 'client_credentials', audience: API }, { basic: ['nightly-job', secret] })).status, 401);
});
