/**
 * Redis for tests: each cache gets its own random key prefix, and its keys are deleted when it closes.
 * TOLLGATE_TEST_REDIS names the server (default: the local one).
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import { AuditLog } from '../../src/events/audit.ts';
import { setUpCache, type CacheSetup } from '../../src/cache/store.ts';
import { scanKeys } from '../../src/cache/redis.ts';
import { globEscape } from '../../src/cache/keys.ts';
import type { Store } from '../../src/storage/store.ts';

export const REDIS_URL = process.env.TOLLGATE_TEST_REDIS || 'redis://127.0.0.1:6379';
/** Nothing listens there: a cache that is down from the start. */
export const CLOSED_REDIS_URL = 'redis://127.0.0.1:1';

export function testPrefix(): string {
  return `tollgate-test:${randomBytes(6).toString('hex')}:`;
}

/** The keys under `prefix`, sorted. */
export async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    const found = new Set<string>();
    for await (const keys of scanKeys(redis, `${globEscape(prefix)}*`)) for (const k of keys) found.add(k);
    return [...found].sort();
  } finally {
    redis.disconnect();
  }
}

/** SCAN + DEL on the prefix. */
export async function deleteUnder(prefix: string): Promise<void> {
  const keys = await keysUnder(prefix);
  if (keys.length === 0) return;
  const redis = new Redis(REDIS_URL);
  try {
    await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** `sql` behind a cache on a fresh prefix (or `prefix`); closing the store deletes the prefix's keys. */
export async function withTestCache(sql: Store, options: { url?: string; now?: () => number; prefix?: string } = {}): Promise<CacheSetup & { prefix: string }> {
  const prefix = options.prefix ?? testPrefix();
  const log = pino({ enabled: false });
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const setup = (await setUpCache(sql, { cache: options.url ?? REDIS_URL, cache_prefix: prefix }, { audit: new AuditLog({ store: sql.events, log, now }), log, now }))!;
  const close = setup.store.close.bind(setup.store);
  const store = new Proxy(setup.store, {
    get: (target, prop) => (prop === 'close' ? async () => { await close(); await deleteUnder(prefix); } : Reflect.get(target, prop)),
  });
  return { ...setup, store, prefix };
}
