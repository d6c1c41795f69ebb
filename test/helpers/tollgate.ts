/** Test fixture: a fresh Tollgate per test on in-memory SQLite, a frozen clock, captured logs, counted hashing. */
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { createServer, type Tollgate } from '../../src/server.ts';
import { argon2Hasher, countingHasher } from '../../src/accounts/passwords.ts';
import type { Store } from '../../src/storage/store.ts';

export const ISSUER = 'http://tollgate.test';
export const API = 'https://api.example.com';
export const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const PASSWORD = 'A3ddj3w-correct';
export const REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';
/** 2026-01-01T00:00:00Z, frozen. */
export const NOW = 1_767_225_600;

/** A small, complete configuration: two realms, a confidential, a post and a public client, users in both realms. */
export function baseConfig(): ConfigInput {
  return {
    issuer: ISSUER,
    storage: 'sqlite::memory:',
    log_level: 'info',
    // Cheap hashing keeps tests fast; the cost is the same in every path, which is what tests check.
    password_hashing: { memory_cost: 64, time_cost: 1, parallelism: 1 },
    connections: [{ name: 'customers' }, { name: 'employees' }],
    default_connection: 'customers',
    apis: [{ identifier: API, scopes: ['read:items', 'write:items'] }, { identifier: 'https://other.example.com', scopes: ['other:scope'] }],
    clients: [
      { client_id: 'web', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['password', REALM_GRANT] },
      { client_id: 'post', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post', grant_types: ['password', REALM_GRANT], scope: 'openid email read:items' },
      { client_id: 'mobile', token_endpoint_auth_method: 'none', grant_types: [REALM_GRANT], connections: ['customers'] },
    ],
    users: [
      { connection: 'customers', username: 'alice', email: 'alice@example.com', email_verified: true, password: PASSWORD, name: 'Alice Liddell', given_name: 'Alice' },
      { connection: 'employees', username: 'alice', email: 'alice@corp.example.com', password: 'employee-password' },
      { connection: 'customers', username: 'mallory', password: PASSWORD, blocked: true },
    ],
  };
}

export interface TokenOptions {
  basic?: [string, string];
  headers?: Record<string, string>;
  remoteAddress?: string;
}

export interface TestTollgate extends Tollgate {
  logs: string[];
  hasher: ReturnType<typeof countingHasher>;
  /** Moves the frozen clock. */
  advance(seconds: number): void;
  /** POST /oauth/token with a form body; `basic` adds client_secret_basic credentials; `remoteAddress` is the socket's peer (default 127.0.0.1). */
  token(params: Record<string, string>, opts?: TokenOptions): Promise<{ status: number; headers: Record<string, unknown>; body: any }>;
}

export function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export async function startTollgate(modify: (config: ConfigInput) => void = () => {}, options: { store?: Store } = {}): Promise<TestTollgate> {
  const input = baseConfig();
  modify(input);
  const config = parseConfig(input, 'test', {});
  const logs: string[] = [];
  const logStream = new Writable({ write(chunk, _enc, done) { logs.push(chunk.toString()); done(); } });
  let clock = NOW;
  const hasher = countingHasher(argon2Hasher(config.password_hashing));
  const tollgate = await createServer(config, { now: () => clock, hasher, logStream, store: options.store });
  return Object.assign(tollgate, {
    logs,
    hasher,
    advance(seconds: number) { clock += seconds; },
    async token(params: Record<string, string>, opts: TokenOptions = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers };
      if (opts.basic) headers.authorization = basicAuth(...opts.basic);
      const res = await tollgate.app.inject({
        method: 'POST', url: '/oauth/token', headers, payload: new URLSearchParams(params).toString(),
        ...(opts.remoteAddress !== undefined ? { remoteAddress: opts.remoteAddress } : {}),
      });
      return { status: res.statusCode, headers: res.headers, body: res.json() };
    },
  });
}

/** The password grant for alice through the Basic client. */
export const aliceLogin = { grant_type: 'password', username: 'alice', password: PASSWORD };
export const webClient: [string, string] = ['web', SECRET];

/** An HTTP answer, as the compliance tests read it. */
export interface Res {
  status: number;
  headers: Record<string, unknown>;
  body: any;
}

/** A fresh Tollgate closed when the test ends. */
export async function start(t: { after(fn: () => Promise<void>): void }, modify?: (config: ConfigInput) => void, options?: { store?: Store }): Promise<TestTollgate> {
  const tg = await startTollgate(modify, options);
  t.after(() => tg.close());
  return tg;
}

/** Runs `request`; returns the number of password verifications it spent. */
export async function verificationsSpentBy(tg: TestTollgate, request: () => Promise<unknown>): Promise<number> {
  const before = tg.hasher.verifications;
  await request();
  return tg.hasher.verifications - before;
}
