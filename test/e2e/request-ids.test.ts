/**
 * Request ids across two `tollgate serve` processes on one PostgreSQL database: each answer carries X-Request-Id (a
 * trusted proxy's, or a new 128-bit id unique across nodes), every log line of the request and the audit event it
 * caused carry it as request_id, and /api/v2/logs and `tollgate logs` show it. Also the log format: level names, one
 * start and one stop line, health probes only at debug.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { serve, tollgate, type ServeProcess } from '../helpers/cli.ts';
import { createDatabase, databaseUrl, dropDatabase } from '../helpers/postgres.ts';
import { start } from '../helpers/tollgate.ts';

const SECRET = 'web-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const OPS_SECRET = 'ops-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const PASSWORD = 'A3ddj3w-correct';

interface LogLine { level: string; time: string; msg: string; request_id?: string; event?: { type: string; request_id: string | null }; [key: string]: unknown }

function linesOf(output: string): LogLine[] {
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
}

test('request ids: unique across two nodes, a trusted proxy\'s kept, on every log line and audit event of the request, in /api/v2/logs and tollgate logs', async (t) => {
  const database = await createDatabase({ migrated: false });
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-request-ids-'));
  const file = join(dir, 'tollgate.yaml');
  writeFileSync(file, `issuer: http://127.0.0.1:8080
workers: 1
storage: ${databaseUrl(database)}
log_level: info
trusted_proxies: [127.0.0.1]
password_hashing: { memory_cost: 64, time_cost: 1 }
connections: [{ name: customers }]
clients:
  - { client_id: web, client_secret: ${SECRET}, grant_types: [password] }
  - { client_id: ops, client_secret: ${OPS_SECRET}, grant_types: [client_credentials], api_grants: { "http://127.0.0.1:8080/api/v2/": ["read:logs"] } }
users:
  - { connection: customers, username: alice, password: ${PASSWORD} }
`);
  const nodes: ServeProcess[] = [];
  t.after(async () => {
    for (const node of nodes) await node.stop();
    await dropDatabase(database);
  });
  // One after the other: both would otherwise create the configured user at once.
  nodes.push(await serve(file));
  nodes.push(await serve(file));
  const [a, b] = nodes as [ServeProcess, ServeProcess];
  const login = (node: ServeProcess, headers: Record<string, string> = {}) => fetch(`${node.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`web:${SECRET}`).toString('base64')}`, ...headers },
    body: new URLSearchParams({ grant_type: 'password', username: 'alice', password: PASSWORD }),
  });

  const [onA, onB, fromProxy, wrong] = await Promise.all([
    login(a), login(b), login(b, { 'x-request-id': 'edge-7f3a.1' }),
    fetch(`${a.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' }),
  ]);
  assert.deepEqual([onA.status, onB.status, fromProxy.status, wrong.status], [200, 200, 200, 400]);
  const idA = onA.headers.get('x-request-id')!;
  const idB = onB.headers.get('x-request-id')!;
  assert.match(idA, /^[0-9a-f]{32}$/);
  assert.match(idB, /^[0-9a-f]{32}$/);
  assert.notEqual(idA, idB, 'ids are unique across nodes');
  assert.equal(fromProxy.headers.get('x-request-id'), 'edge-7f3a.1', 'the trusted proxy\'s id is kept');
  assert.match(wrong.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/, 'error answers carry it too');
  const notFound = await fetch(`${a.url}/nowhere`);
  assert.match(notFound.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/, 'so do 404s');
  assert.equal((await fetch(`${a.url}/health/ready`)).status, 200);

  // Every line the request wrote names it, the audit event included; a health probe writes nothing at info.
  const linesA = linesOf(a.output());
  const ofA = linesA.filter((line) => line.request_id === idA);
  assert.deepEqual(ofA.map((line) => line.msg), ['incoming request', 'login.success', 'request completed']);
  assert.equal(ofA.find((line) => line.msg === 'login.success')!.event!.request_id, idA);
  assert.ok(linesA.every((line) => typeof line.level === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(line.time)), 'level names and ISO times');
  assert.ok(!a.output().includes('/health/'), 'health probes are logged at debug only');
  const [started] = linesA.filter((line) => line.msg === 'Tollgate started');
  assert.ok(started, a.output());
  assert.equal(started.store, `postgres://${new URL(databaseUrl(database)).host}/${database}`, 'the store without credentials');
  assert.deepEqual([started.version, started.issuer, started.listeners], ['0.1.0', 'http://127.0.0.1:8080', [a.url]]);
  assert.equal(linesOf(b.output()).find((line) => line.event?.type === 'login.success' && line.request_id === 'edge-7f3a.1')?.event?.request_id, 'edge-7f3a.1');

  // The stored events, through the management API of one node and the CLI.
  const token = await fetch(`${b.url}/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`ops:${OPS_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', audience: 'http://127.0.0.1:8080/api/v2/' }),
  });
  const { access_token } = await token.json() as { access_token: string };
  const events = await (await fetch(`${b.url}/api/v2/logs?type=login.success`, { headers: { authorization: `Bearer ${access_token}` } })).json() as { request_id: string }[];
  assert.ok(Array.isArray(events), JSON.stringify(events));
  assert.deepEqual(events.map((e) => e.request_id).sort(), [idA, idB, 'edge-7f3a.1'].sort());
  const cli = await tollgate(['logs', '--config', file, '--type', 'login.success']);
  assert.equal(cli.code, 0, cli.stderr);
  for (const id of [idA, idB, 'edge-7f3a.1']) assert.match(cli.stdout, new RegExp(`\\t${id.replace('.', '\\.')}\\t`));

  // One stop line, with what it drained and how long it took.
  assert.equal(await a.stop(), 0);
  const stopped = linesOf(a.output()).filter((line) => line.msg === 'Tollgate stopped');
  assert.equal(stopped.length, 1, a.output());
  assert.equal(typeof stopped[0]!.duration_ms, 'number');
  assert.equal(stopped[0]!.requests_drained, 0);
});

test('request ids: X-Request-Id from an untrusted peer, or malformed from a trusted one, is replaced by a new id', async (t) => {
  const tg = await start(t, (c) => { c.trusted_proxies = ['10.0.0.1']; });
  const ask = async (remoteAddress: string, id: string) => (await tg.app.inject({ method: 'GET', url: '/health/live', remoteAddress, headers: { 'x-request-id': id } })).headers['x-request-id'];
  assert.equal(await ask('10.0.0.1', 'lb-42'), 'lb-42');
  assert.match(String(await ask('203.0.113.5', 'lb-42')), /^[0-9a-f]{32}$/, 'a client cannot choose its id');
  assert.match(String(await ask('10.0.0.1', 'has space')), /^[0-9a-f]{32}$/);
  assert.match(String(await ask('10.0.0.1', 'x'.repeat(129))), /^[0-9a-f]{32}$/);
});
