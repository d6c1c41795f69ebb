/**
 * Migrations whose SQL is the same in both dialects, listed once and spread into ../sqlite/migrations.ts and
 * ../postgres/migrations.ts. Their text is their checksum: change nothing in it, not even whitespace.
 */
import type { Migration } from './migrations.ts';

export const REFRESH_INDEX_AND_SID_MIGRATIONS: Migration[] = [
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
export const LOGIN_SLOT_MIGRATIONS: Migration[] = [
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

export const BREACHED_PASSWORD_MIGRATION: Migration = {
  version: 17,
  name: 'breached password detection',
  sql: `
    -- When breached password detection found the user's current password in the list of leaked passwords; a new
    -- password hash clears it in the same write.
    ALTER TABLE users ADD COLUMN password_leaked_at BIGINT;
  `,
};

export const SETTING_OVERRIDES_MIGRATION: Migration = {
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
