/** Commands that work on the store directly open it for one piece of work and always close it. */
import { existsSync } from 'node:fs';
import pino from 'pino';
import type { Config } from '../config/schema.ts';
import type { Store } from '../storage/store.ts';
import { openStore, storeOptions } from '../storage/open.ts';
import { AuditLog } from '../events/audit.ts';
import { setUpCache } from '../cache/store.ts';
import { systemClock as nowSeconds } from '../clock.ts';
import { argon2Hasher } from '../accounts/passwords.ts';
import { configuredContext, type ManagementContext } from '../management/context.ts';
import { LiveProtectionSettings } from '../protection/live-settings.ts';
import { syncRecords } from '../config/sync.ts';
import { FamilyRevocation } from '../tokens/family-revocation.ts';
import { breachedPasswords, type BreachedPasswords } from '../breached/detection.ts';

export { nowSeconds };

/** What the cache reports to: warnings (Redis unreachable) on stderr, and the audit log. */
function cacheDeps(sql: Store) {
  const log = pino({ level: 'warn' }, pino.destination(2));
  return { audit: new AuditLog({ store: sql.events, log, now: nowSeconds }), log, now: nowSeconds };
}

/**
 * A command other than migrate and serve never creates a SQLite database: a mistyped path or a configuration read
 * from the wrong folder would otherwise leave an empty store behind and answer as if it were the real one.
 */
export function requireExistingDatabase(config: Config): void {
  const path = /^sqlite:(.+)$/.exec(config.storage)?.[1];
  if (path === undefined || path === ':memory:' || existsSync(path)) return;
  throw new Error(`no database at ${path} (storage in the configuration, relative to its file): `
    + 'run "tollgate migrate" or "tollgate serve" with this configuration to create it, or correct the path');
}

/** With `cache` configured, the counters (`tollgate blocks`) are read and cleared where the nodes keep them. */
export async function withStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  requireExistingDatabase(config);
  const sql = await openStore(config.storage, storeOptions(config));
  const store = config.cache === undefined ? sql : (await setUpCache(sql, config, cacheDeps(sql)))!.store;
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The audit log of a command: events are stored for `tollgate logs`, not printed. */
export function silentAudit(store: Store): AuditLog {
  return new AuditLog({ store: store.events, log: pino({ enabled: false }), now: nowSeconds });
}

/**
 * Breached password detection for a command: it waits for the file index when one must be built first (a command
 * is not a login), and warns on stderr when the list cannot be asked.
 */
export function commandBreachedPasswords(store: Store, config: Config): BreachedPasswords {
  const log = pino({ level: 'warn' }, pino.destination(2));
  return breachedPasswords(config, { users: store.users, audit: silentAudit(store), log, now: nowSeconds, waitForIndex: true });
}

/** `work` with the command's breached password detection, closed afterwards. */
export async function withBreachedPasswords<T>(store: Store, config: Config, work: (breached: BreachedPasswords) => Promise<T>): Promise<T> {
  const breached = commandBreachedPasswords(store, config);
  try {
    return await work(breached);
  } finally {
    await breached.close();
  }
}

/** What the management operations need, for an operator at the command line (no acting client: events say client_id null). */
export function managementContext(store: Store, config: Config, breached: BreachedPasswords): ManagementContext {
  const hasher = argon2Hasher(config.password_hashing);
  const families = new FamilyRevocation({ store, accessTokenTtl: config.tokens.access_token_ttl, now: nowSeconds });
  const protection = new LiveProtectionSettings({ store: store.settings, file: config.attack_protection, cacheTtlMs: 0, now: nowSeconds });
  return { store, hasher, audit: silentAudit(store), now: nowSeconds, families, protection, ...configuredContext(config, hasher, breached) };
}

/**
 * withStore, for a management operation. The file's connections, APIs and clients are synchronised first, as a node
 * does when it starts, so the command sees the records the nodes serve even on a store no node has opened yet.
 */
export function withManagement<T>(config: Config, work: (ctx: ManagementContext) => Promise<T>): Promise<T> {
  return withStore(config, async (store) => {
    await syncRecords(store, config);
    // The breached list's index stays open while the command runs, and is closed before the store (not left to the GC).
    return withBreachedPasswords(store, config, (breached) => work(managementContext(store, config, breached)));
  });
}
