/** A Tollgate in this process on a durable WAL SQLite file, with one client, one API and many users. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config/load.ts';
import { argon2Hasher, type PasswordHashing } from '../../src/accounts/passwords.ts';
import { createServer, type Tollgate } from '../../src/server.ts';
import type { SigningAlg } from '../../src/protocol/algorithms.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Store } from '../../src/storage/store.ts';
import { writePwnedList } from './pwned-list.ts';

/** OWASP's argon2id minimum, which is also Tollgate's default. */
export const OWASP_ARGON2ID: PasswordHashing = { memory_cost: 19456, time_cost: 2, parallelism: 1 };

export const CONNECTION = 'customers';
export const API = 'https://api.bench.example';
export const CLIENT = { id: 'bench', secret: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz' };
export const PASSWORD = 'correct horse battery staple';

/** What a scenario prepares its requests against: the store every node serves from, and its users. */
export interface BenchTarget {
  store: Store;
  users: string[];
  /** How many single-use bodies (refresh tokens) to prepare; by default BENCH_REFRESH_RATE × BENCH_DURATION. */
  requests?: number;
}

export interface BenchServer extends BenchTarget {
  url: string;
  tollgate: Tollgate;
  hashing: PasswordHashing;
  /** The PHC string every user has: one password, hashed once. */
  phc: string;
  close(): Promise<void>;
}

/**
 * Attack protection as deployed, except that the per-IP rate limit is raised out of the way (the load
 * generator is one IP) while still being checked on every request; or all of it off, for comparison.
 */
function attackProtection(enabled: boolean) {
  return enabled
    ? { rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 } }
    : { brute_force: { enabled: false }, ip_throttling: { enabled: false }, rate_limit: { enabled: false } };
}

export interface BenchSettings {
  storage: string;
  /** Breached password detection on, method file, with this list (a generated one: the benchmark's password is not in it). */
  breachedList?: string;
  /** Redis, shared by every node. */
  cache?: { url: string; prefix: string };
  hashing: PasswordHashing;
  signingAlg?: SigningAlg;
  protection?: boolean;
  /** Processes per `tollgate serve` (its `workers`; 1 unless a topology asks for more). */
  workers?: number;
}

/** The benchmark's configuration: one connection, one API, one client allowed every grant the scenarios use. */
export function benchConfig(settings: BenchSettings): ConfigInput {
  return {
    issuer: 'http://127.0.0.1',
    storage: settings.storage,
    ...(settings.cache ? { cache: settings.cache.url, cache_prefix: settings.cache.prefix } : {}),
    port: 0,
    workers: settings.workers ?? 1,
    log_level: 'warn',
    // BENCH_METRICS=1: metrics on (their own listener, unscraped), to measure what counting costs against a run without.
    metrics: { enabled: process.env.BENCH_METRICS === '1', port: 0 },
    tokens: { signing_alg: settings.signingAlg ?? 'RS256' },
    password_hashing: settings.hashing,
    connections: [{ name: CONNECTION }],
    attack_protection: {
      ...attackProtection(settings.protection ?? true),
      ...(settings.breachedList ? { breached_password_detection: { enabled: true, method: 'file' as const, file: settings.breachedList } } : {}),
    },
    apis: [{ identifier: API, scopes: ['read:items'] }],
    clients: [{
      client_id: CLIENT.id, client_secret: CLIENT.secret, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['password', 'refresh_token', 'client_credentials'], api_grants: { [API]: ['read:items'] },
    }],
  };
}

/** `count` users user0000, user0001, ... in CONNECTION, all with the password PASSWORD (hashed once: `phc`). */
export async function addUsers(store: Store, count: number, phc: string): Promise<string[]> {
  const users = Array.from({ length: count }, (_, i) => `user${String(i).padStart(4, '0')}`);
  const now = Math.floor(Date.now() / 1000);
  for (const username of users) {
    await store.users.createUser({
      connection: CONNECTION, username, email: `${username}@bench.example`, email_verified: true, password_hash: phc,
      name: null, given_name: null, family_name: null, nickname: null, picture: null, blocked: false, app_metadata: {}, user_metadata: {},
    }, now);
  }
  return users;
}

/**
 * `breachedHashes`: breached password detection on (method file), against a generated list of that many hashes, its
 * index built before the server listens.
 */
export async function startBenchServer(opts: { users: number; hashing?: PasswordHashing; signingAlg?: SigningAlg; protection?: boolean; breachedHashes?: number }): Promise<BenchServer> {
  const hashing = opts.hashing ?? OWASP_ARGON2ID;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const breachedList = opts.breachedHashes === undefined ? undefined : join(dir, 'pwned-sha1.txt');
  if (breachedList) await writePwnedList(breachedList, opts.breachedHashes!, opts.breachedHashes!);
  const config = parseConfig(benchConfig({ ...opts, hashing, storage: `sqlite:${join(dir, 'bench.db')}`, breachedList }), 'bench', {});
  const tollgate = await createServer(config);
  if (breachedList) await tollgate.breached.prepare();
  const phc = await argon2Hasher(hashing).hash(PASSWORD);
  const users = await addUsers(tollgate.store, opts.users, phc);

  await tollgate.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = tollgate.app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, tollgate, store: tollgate.store, users, hashing, phc,
    async close() {
      await tollgate.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
