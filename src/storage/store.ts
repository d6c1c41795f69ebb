/**
 * Storage interfaces: small, composed, and async so every backend fits.
 * Stores keep and return hashes; they never verify a credential
 * (ARCHITECTURE.md principle 4).
 */
import type { AttemptStore } from './slices/attempts.ts';
import type { ClientStore } from './slices/clients.ts';
import type { ConfiguredStore, ManagedStore } from './slices/configured.ts';
import type { DenylistStore } from './slices/denylist.ts';
import type { DirectoryStore } from './slices/directory.ts';
import type { EventStore } from './slices/events.ts';
import type { JobStore } from './slices/jobs.ts';
import type { KeyStore } from './slices/keys.ts';
import type { LegacyTokenStore } from './slices/legacy-tokens.ts';
import type { MfaStore } from './slices/mfa.ts';
import type { PasswordHistoryStore } from './slices/password-history.ts';
import type { RefreshTokenStore } from './slices/refresh-families.ts';
import type { SettingStore } from './slices/settings.ts';
import type { SingleUseStore } from './slices/single-use.ts';
import type { UserImportStore, UserStore } from './slices/users.ts';

export interface Housekeeping {
  /** Deletes what can never be used again; returns how many records went. */
  purge(now: number): Promise<number>;
}

export interface Store extends UserStore, UserImportStore, PasswordHistoryStore, ClientStore, DirectoryStore, KeyStore, ConfiguredStore, ManagedStore, RefreshTokenStore, DenylistStore, SingleUseStore, Housekeeping {
  /** Attack-protection state: a part of its own, so a cache can take the buckets over. */
  readonly attempts: AttemptStore;
  readonly events: EventStore;
  readonly mfa: MfaStore;
  readonly jobs: JobStore;
  readonly legacyTokens: LegacyTokenStore;
  readonly settings: SettingStore;
  /** Resolves when the store answers a trivial query; for /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
