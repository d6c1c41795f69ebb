/**
 * Migrations whose SQL is the same in both dialects, listed once: the default (as in hydra's migrations). A version
 * whose SQL differs has one entry in each of ../sqlite/migrations.ts and ../postgres/migrations.ts instead. Their
 * text is their checksum: change nothing in it, not even whitespace (test/contract/migration-checksums.test.ts).
 */
import type { Migration } from './migrations.ts';
import { JOBS_MIGRATION_SQL } from './jobs-sql.ts';
import { LEGACY_MIGRATION_SQL } from './legacy-tokens-sql.ts';
import { MFA_MIGRATION_SQL } from './mfa-sql.ts';

/** Before one record per family, the versions both dialects wrote alike. */
const EARLY_MIGRATIONS: Migration[] = [
  {
    version: 6,
    name: 'multi-factor authentication',
    sql: MFA_MIGRATION_SQL,
  },
  {
    version: 7,
    name: 'management search',
    sql: `
      -- The management API finds users by username or email in every connection at once, and events by type.
      CREATE INDEX users_username_any ON users (username_lower);
      CREATE INDEX users_email_any ON users (email_lower) WHERE email_lower IS NOT NULL;
      CREATE INDEX events_type ON events (type, time);
    `,
  },
  {
    version: 10,
    name: 'management jobs',
    sql: JOBS_MIGRATION_SQL,
  },
  {
    version: 11,
    name: 'legacy resource owner endpoint',
    sql: LEGACY_MIGRATION_SQL,
  },
];

const REFRESH_INDEX_AND_SID_MIGRATIONS: Migration[] = [
  {
    version: 12,
    name: 'refresh token indexes a rotation does not write',
    sql: `
      -- No query used it (the purge's OR of conditions scans the table), yet every rotation wrote a page of it.
      DROP INDEX refresh_tokens_expiry;
      -- A user's families are found by their first token, which stays until the family ends; rotations write no page of it.
      DROP INDEX refresh_tokens_user;
      CREATE INDEX refresh_tokens_user_families ON refresh_tokens (user_id) WHERE generation = 0;
    `,
  },
  {
    version: 13,
    name: 'post-login actions across MFA',
    sql: `
      ALTER TABLE mfa_tokens ADD COLUMN login TEXT;
    `,
  },
  {
    version: 14,
    name: 'legacy access tokens revoked with their family',
    sql: `
      ALTER TABLE legacy_access_tokens ADD COLUMN sid TEXT;
    `,
  },
];

/** Brute-force slots: admissions to a password verification in progress, kept beside the key's failure count. */
const LOGIN_SLOT_MIGRATIONS: Migration[] = [
  {
    version: 16,
    name: 'brute-force slots reserved before the password is verified',
    sql: `
      -- Verifications in progress for the key, and when they all lapse (a node that died holding some gives them back).
      ALTER TABLE login_failures ADD COLUMN slots INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE login_failures ADD COLUMN slots_expire_at BIGINT NOT NULL DEFAULT 0;
    `,
  },
];

const BREACHED_PASSWORD_MIGRATION: Migration = {
  version: 17,
  name: 'breached password detection',
  sql: `
    -- When breached password detection found the user's current password in the list of leaked passwords; a new
    -- password hash clears it in the same write.
    ALTER TABLE users ADD COLUMN password_leaked_at BIGINT;
  `,
};

const SETTING_OVERRIDES_MIGRATION: Migration = {
  version: 18,
  name: 'settings changed through the management API',
  sql: `
    -- One row per setting (a key path such as brute_force.threshold) changed through the management API: its value, and
    -- the configuration file's value it replaced, so a later edit of the file can be told from an unchanged file.
    CREATE TABLE setting_overrides (
      setting TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      file_value TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      updated_by TEXT
    );
  `,
};

export const EVENT_REQUEST_ID_MIGRATION: Migration = {
  version: 19,
  name: 'request ids on audit events',
  sql: `
    -- The request an audit event came from (its X-Request-Id), to join the event to the request's log lines.
    ALTER TABLE events ADD COLUMN request_id TEXT;
  `,
};

const SHARED_MIGRATIONS: Migration[] = [
  ...EARLY_MIGRATIONS, ...REFRESH_INDEX_AND_SID_MIGRATIONS, ...LOGIN_SLOT_MIGRATIONS, BREACHED_PASSWORD_MIGRATION, SETTING_OVERRIDES_MIGRATION,
  EVENT_REQUEST_ID_MIGRATION,
];

/** A dialect's own migrations and the shared ones, in version order. */
export function withSharedMigrations(dialectOnly: readonly Migration[]): Migration[] {
  return [...dialectOnly, ...SHARED_MIGRATIONS].sort((a, b) => a.version - b.version);
}
