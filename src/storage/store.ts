/**
 * The store: an object of slices, one small interface each (slices/), so the compiler refuses a store missing a
 * slice or a method, and each module asks only for the slices it uses (`Pick<Store, 'users' | 'refreshFamilies'>`).
 * Stores keep and return hashes; they never verify a credential (ARCHITECTURE.md principle 4).
 */
import type { ApiStore } from './slices/apis.ts';
import type { AttemptStore } from './slices/attempts.ts';
import type { ClientStore } from './slices/clients.ts';
import type { ConfiguredStore } from './slices/configured.ts';
import type { ConnectionStore } from './slices/connections.ts';
import type { DenylistStore } from './slices/denylist.ts';
import type { EventStore } from './slices/events.ts';
import type { ExportStore } from './slices/exports.ts';
import type { JobStore } from './slices/jobs.ts';
import type { KeyStore } from './slices/keys.ts';
import type { LegacyTokenStore } from './slices/legacy-tokens.ts';
import type { MfaStore } from './slices/mfa.ts';
import type { PasswordHistoryStore } from './slices/password-history.ts';
import type { RefreshTokenStore } from './slices/refresh-families.ts';
import type { SettingStore } from './slices/settings.ts';
import type { SingleUseStore } from './slices/single-use.ts';
import type { UserStore } from './slices/users.ts';

export interface StoreSlices {
  readonly users: UserStore;
  readonly passwordHistory: PasswordHistoryStore;
  /** Clients, connections and APIs: read from memory on the hot path (configured-cache.ts), written through `configured`. */
  readonly clients: ClientStore;
  readonly connections: ConnectionStore;
  readonly apis: ApiStore;
  readonly configured: ConfiguredStore;
  readonly keys: KeyStore;
  readonly refreshFamilies: RefreshTokenStore;
  readonly denylist: DenylistStore;
  readonly singleUse: SingleUseStore;
  /** Attack-protection state: a slice of its own, so a cache can take the buckets over. */
  readonly attempts: AttemptStore;
  readonly events: EventStore;
  readonly mfa: MfaStore;
  readonly jobs: JobStore;
  readonly exports: ExportStore;
  readonly legacyTokens: LegacyTokenStore;
  readonly settings: SettingStore;
}

/** The whole store's own lifecycle, beside its slices: not data, but what a node does with the database. */
export interface Store extends StoreSlices {
  /** Deletes what can never be used again, in every slice; returns how many records went. */
  purge(now: number): Promise<number>;
  /** Resolves when the store answers a trivial query; for /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Every slice's name, for code that must reach each of them (tests that wrap a store); the compiler refuses one missing. */
const SLICE_NAMES: Record<keyof StoreSlices, true> = {
  users: true, passwordHistory: true, clients: true, connections: true, apis: true, configured: true, keys: true, refreshFamilies: true,
  denylist: true, singleUse: true, attempts: true, events: true, mfa: true, jobs: true, exports: true, legacyTokens: true, settings: true,
};
export const STORE_SLICES = Object.keys(SLICE_NAMES) as (keyof StoreSlices)[];
