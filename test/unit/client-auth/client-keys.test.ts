/** ClientKeys: a client's jwks_uri fetched within a timeout and a size limit, cached, and refetched sparingly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import { ClientKeys, MAX_JWKS_BYTES, NoMatchingKey, fetchKeySet } from '../../../src/client-auth/client-keys.ts';
import type { ClientRecord } from '../../../src/model/client.ts';

async function serve(t: { after(fn: () => Promise<void>): void }, handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks`;
}

const KEY = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'one' };

test('fetchKeySet: a JWK Set within the limits is returned', async (t) => {
  const url = await serve(t, (_req, res) => res.end(JSON.stringify({ keys: [KEY] })));
  assert.deepEqual(await fetchKeySet(url, 1000, MAX_JWKS_BYTES), { keys: [KEY] });
});

test('fetchKeySet: a server that never answers is given up after the timeout', async (t) => {
  const url = await serve(t, () => {});
  const started = performance.now();
  await assert.rejects(fetchKeySet(url, 100, MAX_JWKS_BYTES), /abort|timeout/i);
  assert.ok(performance.now() - started < 2000);
});

test('fetchKeySet: a body that trickles in past the timeout is given up too', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"keys": [');
  });
  await assert.rejects(fetchKeySet(url, 100, MAX_JWKS_BYTES), /abort|timeout/i);
});

test('fetchKeySet: a body over the size limit is refused, whether announced or streamed', async (t) => {
  const big = JSON.stringify({ keys: [{ ...KEY, pad: 'x'.repeat(2000) }] });
  const announced = await serve(t, (_req, res) => res.end(big));
  await assert.rejects(fetchKeySet(announced, 1000, 1024), /over 1024 bytes/);
  const streamed = await serve(t, (_req, res) => {
    res.writeHead(200, { 'transfer-encoding': 'chunked' });
    res.end(big);
  });
  await assert.rejects(fetchKeySet(streamed, 1000, 1024), /over 1024 bytes/);
});

test('fetchKeySet: redirects, errors and non-key-sets are refused', async (t) => {
  const redirect = await serve(t, (_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end());
  await assert.rejects(fetchKeySet(redirect, 1000, MAX_JWKS_BYTES));
  const error = await serve(t, (_req, res) => res.writeHead(500).end('{"keys":[]}'));
  await assert.rejects(fetchKeySet(error, 1000, MAX_JWKS_BYTES), /answered 500/);
  const notASet = await serve(t, (_req, res) => res.end('{"keys": "none"}'));
  await assert.rejects(fetchKeySet(notASet, 1000, MAX_JWKS_BYTES), /not return a JWK Set/);
});

test('ClientKeys.withKeys: inline keys are never fetched; NoMatchingKey on them is final', async () => {
  const keys = new ClientKeys({ now: () => 0 });
  const client = { client_id: 'c', jwks: { keys: [KEY] } } as unknown as ClientRecord;
  let runs = 0;
  await assert.rejects(keys.withKeys(client, async () => {
    runs++;
    throw new NoMatchingKey();
  }), NoMatchingKey);
  assert.equal(runs, 1);
});

test('ClientKeys.withKeys: concurrent requests share one fetch; NoMatchingKey fetches again once per interval', async (t) => {
  let hits = 0;
  const url = await serve(t, (_req, res) => {
    hits++;
    res.end(JSON.stringify({ keys: [{ ...KEY, kid: `k${hits}` }] }));
  });
  let clock = 1000;
  const keys = new ClientKeys({ now: () => clock });
  const client = { client_id: 'c', jwks_uri: url } as unknown as ClientRecord;
  const kids = await Promise.all([1, 2, 3].map(() => keys.withKeys(client, async (set) => set.keys[0]!.kid)));
  assert.deepEqual(kids, ['k1', 'k1', 'k1']);
  assert.equal(hits, 1);
  clock += 31;
  const seen: unknown[] = [];
  const found = await keys.withKeys(client, async (set) => {
    seen.push(set.keys[0]!.kid);
    if (set.keys[0]!.kid !== 'k2') throw new NoMatchingKey();
    return 'found';
  });
  assert.equal(found, 'found');
  assert.deepEqual(seen, ['k1', 'k2']);
  // Within the interval, another unknown key is not fetched for.
  await assert.rejects(keys.withKeys(client, async () => { throw new NoMatchingKey(); }), NoMatchingKey);
  assert.equal(hits, 2);
});
