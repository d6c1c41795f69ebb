/**
 * Import benchmark: `npm run bench:import`. Writes BENCH_IMPORT_USERS (default 100,000) users in Auth0's bulk
 * import format, then times `tollgate users import` as an operator runs it (a fresh process, a fresh durable WAL
 * SQLite file, or with BENCH_IMPORT_STORAGE=postgres a fresh database on TOLLGATE_TEST_POSTGRES) from start to
 * exit. The target is 100,000 users in under a minute.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { auth0UsersJson } from './lib/auth0-users.ts';
import { freshDatabase } from './lib/nodes.ts';

const count = Number(process.env.BENCH_IMPORT_USERS || 100_000);
if (!Number.isInteger(count) || count < 1) throw new Error('BENCH_IMPORT_USERS must be a positive integer');
const TARGET_SECONDS = 60;
const storageKind = process.env.BENCH_IMPORT_STORAGE || 'sqlite';
if (storageKind !== 'sqlite' && storageKind !== 'postgres') throw new Error('BENCH_IMPORT_STORAGE must be sqlite or postgres');

const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-import-'));
const config = join(dir, 'tollgate.yaml');
const file = join(dir, 'users.json');
const database = storageKind === 'postgres' ? await freshDatabase() : undefined;
writeFileSync(config, `storage: ${database?.url ?? `sqlite:${join(dir, 'db.sqlite')}`}\nlog_level: warn\nconnections: [{ name: customers }]\n`);
writeFileSync(file, auth0UsersJson(count));
const bin = new URL('../bin/tollgate.ts', import.meta.url).pathname;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

try {
  process.stdout.write(`importing ${count.toLocaleString('en')} users (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB) into a fresh ${storageKind === 'sqlite' ? 'SQLite file' : 'PostgreSQL database'}...\n`);
  const result = await run(['users', 'import', file, '--connection', 'customers', '--json', '--config', config]);
  if (result.code !== 0) throw new Error(`tollgate users import exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
  const report = JSON.parse(result.stdout) as { created: number };
  if (report.created !== count) throw new Error(`expected ${count} users created, the report says ${report.created}`);
  const perSecond = Math.round(count / result.seconds);
  const verdict = count === 100_000 ? ` (target: under ${TARGET_SECONDS} s: ${result.seconds < TARGET_SECONDS ? 'met' : 'MISSED'})` : '';
  process.stdout.write(`${count.toLocaleString('en')} users in ${result.seconds.toFixed(1)} s, ${perSecond.toLocaleString('en')} users/s${verdict}\n`);
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`results/import-${storageKind}.json`, import.meta.url), `${JSON.stringify({
    date: new Date().toISOString(), storage: storageKind, users: count, seconds: Number(result.seconds.toFixed(2)), users_per_second: perSecond,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
  }, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
}
