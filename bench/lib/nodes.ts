/**
 * Tollgate as deployed: `tollgate serve` processes on one store (a SQLite file, or a fresh PostgreSQL database
 * with Redis), each node its own process with its own event loop and thread pool. Users and refresh tokens are
 * written by this process through the same store the nodes serve from.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { PasswordHashing } from '../../src/accounts/passwords.ts';
import type { SigningAlg } from '../../src/protocol/algorithms.ts';
import { openStore } from '../../src/storage/open.ts';
import { serve, type ServeProcess } from '../../test/helpers/cli.ts';
import { REDIS_URL, deleteUnder } from '../../test/helpers/redis.ts';
import { addUsers, benchConfig, type BenchTarget } from './server.ts';

/** The servers the tests use (TOLLGATE_TEST_POSTGRES, TOLLGATE_TEST_REDIS); the benchmark makes its own database and key prefix there. */
const POSTGRES_URL = process.env.TOLLGATE_TEST_POSTGRES || 'postgres://postgres@127.0.0.1:5432/test';

export interface Topology {
  id: string;
  storage: 'sqlite' | 'postgres';
  nodes: number;
  /** Processes per node (`workers`), behind its one listening socket; 1 when unset. */
  workers?: number;
}

export interface BenchNodes extends BenchTarget {
  urls: string[];
  /** Every process serving: each node's, and its workers' when it has some. */
  pids: number[];
  close(): Promise<void>;
}

/** A process's children: a node's workers (ps exits with 1 when there are none). */
function childrenOf(pid: number): number[] {
  const out = spawnSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').map((line) => Number(line.trim())).filter((child) => child > 0);
}

/** A database of its own on the PostgreSQL server: its URL, and how to drop it. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tollgate_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Starts `topology.nodes` processes: the first alone (it migrates the store and makes the signing keys), then the
 * users are added, then the others. `phc` is every user's password hash.
 */
export async function startNodes(topology: Topology, opts: { users: number; phc: string; hashing: PasswordHashing; signingAlg: SigningAlg }): Promise<BenchNodes> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const processes: ServeProcess[] = [];
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    let storage = `sqlite:${join(dir, 'bench.db')}`;
    let cache: { url: string; prefix: string } | undefined;
    if (topology.storage === 'postgres') {
      const database = await freshDatabase();
      cleanups.push(database.drop);
      storage = database.url;
      cache = { url: REDIS_URL, prefix: `tollgate-bench:${randomBytes(6).toString('hex')}:` };
      const { prefix } = cache;
      cleanups.push(() => deleteUnder(prefix));
    }
    const file = join(dir, 'tollgate.json');
    // JSON is YAML.
    writeFileSync(file, JSON.stringify(benchConfig({ storage, cache, hashing: opts.hashing, signingAlg: opts.signingAlg, workers: topology.workers })));
    processes.push(await serve(file));
    const store = await openStore(storage);
    cleanups.push(() => store.close());
    const users = await addUsers(store, opts.users, opts.phc);
    processes.push(...await Promise.all(Array.from({ length: topology.nodes - 1 }, () => serve(file))));
    const pids = processes.flatMap((p) => [p.child.pid!, ...childrenOf(p.child.pid!)]);
    return { urls: processes.map((p) => p.url), pids, store, users, close };
  } catch (err) {
    await close();
    throw err;
  }
}
