/**
 * User search benchmark: `npm run bench:search`. A Tollgate in this process on a durable WAL SQLite file holding
 * BENCH_SEARCH_USERS (default 1,000,000) users, then GET /api/v2/users with Auth0's q under load (autocannon,
 * BENCH_CONNECTIONS connections for BENCH_DURATION seconds each): by email (a different existing address each
 * request) and by username prefix (`username:<prefix>*`, a different 5-character prefix each request).
 * The target: p99 under 50 ms for both.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { Writable } from 'node:stream';
import autocannon, { type Result } from 'autocannon';
import { parseConfig } from '../src/config/load.ts';
import { createServer } from '../src/server.ts';
import { openStore } from '../src/storage/open.ts';
import { MANAGEMENT_SCOPES } from '../src/protocol/management-api.ts';

const count = Number(process.env.BENCH_SEARCH_USERS || 1_000_000);
if (!Number.isInteger(count) || count < 100) throw new Error('BENCH_SEARCH_USERS must be an integer of at least 100');
const seconds = Number(process.env.BENCH_DURATION || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 8);
const TARGET_P99_MS = 50;
const ISSUER = 'http://127.0.0.1';
const OPS = { id: 'bench-ops', secret: 'bench-ops-secret-0123456789-abcdefghijklmnop' };

/** The nth user's name: 8 hex digits from a multiplicative hash, so prefixes spread over the whole table. */
const nameOf = (n: number) => `u${((n * 2_654_435_761) >>> 0).toString(16).padStart(8, '0')}`;

const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-search-'));
const storage = `sqlite:${join(dir, 'db.sqlite')}`;
try {
  // The schema by the store's own migrations, then the users in one transaction (the import path would take minutes).
  await (await openStore(storage, {} as never)).close();
  const started = performance.now();
  const db = new DatabaseSync(join(dir, 'db.sqlite'));
  const insert = db.prepare(`INSERT INTO users (id, connection, username, username_lower, email, email_lower, email_verified, password_hash,
    blocked, app_metadata, user_metadata, created_at, updated_at) VALUES (?, 'customers', ?, ?, ?, ?, 1, '$argon2id$v=19$m=64,t=1,p=1$x$y', 0, ?, '{}', ?, ?)`);
  db.exec('BEGIN');
  for (let n = 0; n < count; n++) {
    const name = nameOf(n);
    insert.run(`id${n}`, name, name, `${name}@example.com`, `${name}@example.com`, `{"plan":"${n % 3 === 0 ? 'gold' : 'free'}"}`, 1_767_225_600 + n, 1_767_225_600 + n);
  }
  db.exec('COMMIT');
  db.exec('ANALYZE');
  db.close();
  process.stdout.write(`${count.toLocaleString('en')} users written in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

  const config = parseConfig({
    issuer: ISSUER, storage, port: 0, log_level: 'warn', connections: [{ name: 'customers' }],
    clients: [{ client_id: OPS.id, client_secret: OPS.secret, grant_types: ['client_credentials'], api_grants: { [`${ISSUER}/api/v2/`]: Object.keys(MANAGEMENT_SCOPES) } }],
  }, 'bench', {});
  const tollgate = await createServer(config, { logStream: new Writable({ write(_c, _e, done) { done(); } }) });
  await tollgate.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = tollgate.app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const tokenResponse = await fetch(`${url}/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: OPS.id, client_secret: OPS.secret, audience: `${ISSUER}/api/v2/` }),
  });
  const { access_token: token } = await tokenResponse.json() as { access_token: string };
  const headers = { authorization: `Bearer ${token}` };

  const searches: [string, () => string][] = [
    ['by email', () => `email:"${nameOf(randomInt(count))}@example.com"`],
    ['by username prefix', () => `username:${nameOf(randomInt(count)).slice(0, 5)}*`],
  ];
  const results: Record<string, unknown>[] = [];
  for (const [name, query] of searches) {
    // One request first, to check it finds what it should.
    const probe = await fetch(`${url}/api/v2/users?search_engine=v3&q=${encodeURIComponent(query())}`, { headers });
    const found = await probe.json() as unknown[];
    if (probe.status !== 200 || !Array.isArray(found) || found.length === 0) throw new Error(`${name}: ${probe.status} ${JSON.stringify(found).slice(0, 300)}`);
    // On the main thread autocannon resolves to the aggregated result.
    const result = await autocannon({
      url, connections, duration: seconds,
      requests: [{ method: 'GET', headers, setupRequest: (request) => ({ ...request, path: `/api/v2/users?search_engine=v3&q=${encodeURIComponent(query())}` }) }],
    }) as Result;
    const p99 = result.latency.p99;
    const failed = result.non2xx + result.errors + result.timeouts;
    process.stdout.write(`${name}: ${Math.round(result.requests.total / result.duration).toLocaleString('en')} req/s, p50 ${result.latency.p50} ms, p99 ${p99} ms`
      + ` (target p99 < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'met' : 'MISSED'})${failed ? `, ${failed} failed` : ''}\n`);
    results.push({ search: name, requests_per_second: Math.round(result.requests.total / result.duration), p50_ms: result.latency.p50, p99_ms: p99, max_ms: result.latency.max, failed });
  }
  await tollgate.close();
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('results/search.json', import.meta.url), `${JSON.stringify({
    date: new Date().toISOString(), storage: 'sqlite', users: count, seconds, connections, results,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) },
  }, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
