/** Management changes on several nodes of one PostgreSQL database: each node sees them within storage_cache_ttl. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodesOnPostgres } from '../helpers/nodes.ts';
import { managed, withOps } from '../helpers/management.ts';
import { within } from '../helpers/poll.ts';
import { API, PASSWORD, SECRET, type TestTollgate } from '../helpers/tollgate.ts';

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

const BRUTE = '/attack-protection/brute-force-protection';
const WRONG = 'wrong-Pa55word-for-guessing';

/** Whether `node` blocks alice (from a fresh IP) after `failures` wrong passwords: the next, right, password is refused. */
async function blocksAfter(node: TestTollgate, failures: number, ip: string): Promise<boolean> {
  for (let i = 0; i < failures; i++) {
    const res = await node.token({ grant_type: 'password', username: 'alice', password: WRONG }, { basic: ['web', SECRET], remoteAddress: ip });
    assert.equal(res.body.error, 'invalid_grant', `failure ${i + 1} on a fresh IP`);
  }
  const res = await node.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: ['web', SECRET], remoteAddress: ip });
  return res.status === 429;
}

test('attack protection, storage_cache_ttl 0: a change made through one node applies on the other at its next request', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, (config) => { withOps(config); config.storage_cache_ttl = 0; });
  assert.equal(await blocksAfter(b!, 3, '198.51.100.1'), false, 'the file\'s threshold (10) at first');
  assert.equal((await managed(a!).call('PATCH', BRUTE, { body: { max_attempts: 3 } })).status, 200);
  assert.equal((await managed(b!).call('GET', BRUTE)).body.max_attempts, 3);
  assert.equal(await blocksAfter(b!, 3, '198.51.100.2'), true);
  await managed(b!).call('PATCH', '/attack-protection/suspicious-ip-throttling', { body: { allowlist: ['198.51.100.0/24'] } });
  assert.deepEqual((await managed(a!).call('GET', '/attack-protection/suspicious-ip-throttling')).body.allowlist, ['198.51.100.0/24']);
});

test('attack protection, storage_cache_ttl 1 h: the node that made the change applies it at once, the other when its cache expires', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, (config) => { withOps(config); config.storage_cache_ttl = 3_600_000; });
  await managed(a!).call('PATCH', BRUTE, { body: { max_attempts: 3 } });
  assert.equal(await blocksAfter(a!, 3, '198.51.100.3'), true);
  assert.equal((await managed(b!).call('GET', BRUTE)).body.max_attempts, 10);
  assert.equal(await blocksAfter(b!, 3, '198.51.100.4'), false);
});

test('attack protection, storage_cache_ttl 300 ms: the other node applies the change once its cache expires, without a restart', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, (config) => { withOps(config); config.storage_cache_ttl = 300; });
  await managed(a!).call('PATCH', BRUTE, { body: { max_attempts: 3 } });
  await within(5000, 'node b reads the new threshold', async () => (await managed(b!).call('GET', BRUTE)).body.max_attempts === 3);
  assert.equal(await blocksAfter(b!, 3, '198.51.100.5'), true);
});
