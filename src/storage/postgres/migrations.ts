/**
 * PostgreSQL schema migrations: the same versions and names as ../sqlite/migrations.ts, in PostgreSQL's dialect.
 * An applied migration's checksum must never change (../migrations.ts). Unix seconds are BIGINT; keys that are
 * listed in order use COLLATE "C" so they sort by code point, as SQLite's BINARY collation does.
 */
import { USER_EXPORTS_SQL } from '../exports-sql.ts';
import type { Migration } from '../migrations.ts';
import { withSharedMigrations } from '../shared-migrations.ts';

/** The migrations whose SQL differs from SQLite's; the others are in ../shared-migrations.ts. */
const POSTGRES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'core',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        connection TEXT COLLATE "C" NOT NULL,
        username TEXT NOT NULL,
        username_lower TEXT COLLATE "C" NOT NULL,
        email TEXT,
        email_lower TEXT COLLATE "C",
        email_verified BOOLEAN NOT NULL DEFAULT false,
        password_hash TEXT NOT NULL,
        name TEXT, given_name TEXT, family_name TEXT, nickname TEXT, picture TEXT,
        blocked BOOLEAN NOT NULL DEFAULT false,
        app_metadata JSONB NOT NULL DEFAULT '{}',
        user_metadata JSONB NOT NULL DEFAULT '{}',
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX users_username ON users (connection, username_lower);
      CREATE UNIQUE INDEX users_email ON users (connection, email_lower) WHERE email_lower IS NOT NULL;
      CREATE TABLE clients (client_id TEXT COLLATE "C" PRIMARY KEY, data JSONB NOT NULL, managed_by TEXT NOT NULL);
      CREATE TABLE connections (name TEXT COLLATE "C" PRIMARY KEY, data JSONB NOT NULL, managed_by TEXT NOT NULL);
      CREATE TABLE apis (identifier TEXT COLLATE "C" PRIMARY KEY, data JSONB NOT NULL, managed_by TEXT NOT NULL);
      CREATE TABLE signing_keys (
        kid TEXT COLLATE "C" PRIMARY KEY,
        alg TEXT NOT NULL,
        private_jwk JSONB NOT NULL,
        public_jwk JSONB NOT NULL,
        created_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'refresh tokens and access token denylist',
    sql: `
      CREATE TABLE refresh_tokens (
        id TEXT PRIMARY KEY,
        family_id TEXT NOT NULL,
        generation INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        connection TEXT NOT NULL,
        scope TEXT[] NOT NULL,
        audience TEXT,
        auth_time BIGINT NOT NULL,
        amr TEXT[] NOT NULL,
        created_at BIGINT NOT NULL,
        family_expires_at BIGINT NOT NULL,
        idle_expires_at BIGINT NOT NULL,
        consumed_at BIGINT,
        revoked_at BIGINT
      );
      CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id, generation);
      CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
      CREATE INDEX refresh_tokens_expiry ON refresh_tokens (family_expires_at);
      CREATE TABLE denied_access_tokens (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE INDEX denied_access_tokens_expiry ON denied_access_tokens (expires_at);
    `,
  },
  {
    version: 3,
    name: 'attack protection and audit events',
    sql: `
      CREATE TABLE login_failures (
        connection TEXT COLLATE "C" NOT NULL,
        username TEXT COLLATE "C" NOT NULL,
        ip TEXT COLLATE "C" NOT NULL,
        failures INTEGER NOT NULL,
        blocked_at BIGINT,
        block_expires_at BIGINT,
        last_failure_at BIGINT NOT NULL,
        PRIMARY KEY (connection, username, ip)
      );
      CREATE INDEX login_failures_blocked ON login_failures (blocked_at) WHERE blocked_at IS NOT NULL;
      CREATE TABLE buckets (name TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, updated_at BIGINT NOT NULL, full_at BIGINT NOT NULL);
      CREATE INDEX buckets_full ON buckets (full_at);
      CREATE TABLE events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY, -- insertion order: breaks ties within one second, as SQLite's rowid does
        id TEXT PRIMARY KEY,
        time BIGINT NOT NULL,
        type TEXT NOT NULL,
        client_id TEXT, connection TEXT, username TEXT, user_id TEXT, ip TEXT, user_agent TEXT,
        outcome TEXT NOT NULL,
        reason TEXT
      );
      CREATE INDEX events_time ON events (time, seq);
      CREATE INDEX events_user ON events (user_id, time);
      CREATE INDEX events_username ON events (username, time);
    `,
  },
  {
    version: 4,
    name: 'signing key lifecycle',
    sql: `
      ALTER TABLE signing_keys
        ADD COLUMN state TEXT NOT NULL DEFAULT 'current' CHECK (state IN ('next', 'current', 'previous', 'revoked')),
        ADD COLUMN activated_at BIGINT,
        ADD COLUMN retired_at BIGINT,
        ADD COLUMN revoked_at BIGINT;
      -- The newest key of each algorithm was the one signing; older ones only verified.
      UPDATE signing_keys SET activated_at = created_at;
      UPDATE signing_keys k SET state = 'previous', retired_at = (SELECT max(n.created_at) FROM signing_keys n WHERE n.alg = k.alg)
        WHERE EXISTS (SELECT 1 FROM signing_keys n WHERE n.alg = k.alg AND (n.created_at, n.kid) > (k.created_at, k.kid));
      CREATE UNIQUE INDEX signing_keys_current ON signing_keys (alg) WHERE state = 'current';
      CREATE UNIQUE INDEX signing_keys_next ON signing_keys (alg) WHERE state = 'next';
    `,
  },
  {
    version: 5,
    name: 'single-use identifiers',
    sql: `
      CREATE TABLE used_once (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE INDEX used_once_expiry ON used_once (expires_at);
    `,
  },
  {
    version: 8,
    name: 'password history',
    sql: `
      CREATE TABLE password_history (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX password_history_user ON password_history (user_id, id);
    `,
  },
  {
    version: 9,
    name: 'sender-constrained refresh tokens',
    sql: `
      ALTER TABLE refresh_tokens ADD COLUMN cnf JSONB;
    `,
  },
  {
    version: 15,
    name: 'one record per refresh-token family',
    sql: `
      -- A rotation rewrites its family's record in place and no index holds a column it changes, so with room left on
      -- each page (fillfactor) PostgreSQL updates it without new index entries (a heap-only tuple).
      CREATE TABLE refresh_families (
        selector TEXT PRIMARY KEY,
        family_id TEXT NOT NULL,
        generation INTEGER NOT NULL,
        token_hashes TEXT[] NOT NULL,
        previous_hashes TEXT[] NOT NULL,
        rotated_at BIGINT,
        client_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        connection TEXT NOT NULL,
        scope TEXT[] NOT NULL,
        audience TEXT,
        auth_time BIGINT NOT NULL,
        amr TEXT[] NOT NULL,
        created_at BIGINT NOT NULL,
        family_expires_at BIGINT NOT NULL,
        idle_expires_at BIGINT NOT NULL,
        revoked_at BIGINT,
        cnf JSONB,
        device TEXT
      ) WITH (fillfactor = 80);
      CREATE INDEX refresh_families_family ON refresh_families (family_id);
      CREATE INDEX refresh_families_user ON refresh_families (user_id);
      -- Every token live before this migration keeps working: its own hash, the old key, becomes its record's selector.
      INSERT INTO refresh_families SELECT id, family_id, generation, ARRAY[id], '{}', NULL, client_id, user_id, connection, scope,
        audience, auth_time, amr, created_at, family_expires_at, idle_expires_at, NULL, cnf, device
        FROM refresh_tokens WHERE consumed_at IS NULL AND revoked_at IS NULL;
      DROP TABLE refresh_tokens;
    `,
  },
  {
    version: 20,
    name: 'user search',
    sql: `
      -- Auth0's user search: prefixes (username:jo*) are LIKE 'jo%', which only a text_pattern_ops index serves
      -- whatever the database's collation; created_at ranges and sorts get their own index.
      CREATE INDEX users_username_pattern ON users (username_lower text_pattern_ops);
      CREATE INDEX users_email_pattern ON users (email_lower text_pattern_ops) WHERE email_lower IS NOT NULL;
      CREATE INDEX users_created_at ON users (created_at);
      -- Auth0's users-exports jobs: what to export and until when it is served (storage/exports-sql.ts).
      ${USER_EXPORTS_SQL}
    `,
  },
];

export const migrations: Migration[] = withSharedMigrations(POSTGRES_MIGRATIONS);
