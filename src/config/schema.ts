/**
 * The configuration schema: one typed source for validation, defaults, the
 * TypeScript types and the generated reference (docs/configuration.md).
 * Names follow RFC 7591 client metadata and Auth0's vocabulary.
 */
import { z } from 'zod';
import { GRANT_TYPES } from '../grants/names.ts';
import { CLIENT_AUTH_METHODS } from '../client-auth/names.ts';
import { SIGNING_ALGS } from '../keys/algorithms.ts';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_" or "-"');
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'is not a valid scope token (RFC 6749 §3.3)');
const seconds = z.number().int().min(1).max(31_536_000);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const oneOf = <T extends string>(values: readonly T[], what: string) =>
  z.enum(values as [T, ...T[]], { error: (issue) => `unknown ${what} ${JSON.stringify(issue.input)} (one of: ${values.join(', ')})` });

export const connectionSchema = z.strictObject({
  name: name.describe('Directory name, used as the `realm` of the password-realm grant.'),
  display_name: z.string().optional().describe('Human-readable name.'),
});

export const apiSchema = z.strictObject({
  identifier: z.string().min(1).describe('The API identifier: the `audience` clients ask for and the `aud` of its access tokens.'),
  name: z.string().optional().describe('Human-readable name.'),
  scopes: z.array(scopeToken).default([]).describe('Scopes this API defines.'),
  access_token_ttl: seconds.optional().describe('Access token lifetime for this API in seconds (default: tokens.access_token_ttl).'),
});

export const clientSchema = z.strictObject({
  client_id: name.describe('The client identifier (RFC 6749 §2.2).'),
  name: z.string().optional().describe('Human-readable name.'),
  client_secret: z.string().min(1).optional().describe('The client secret; stored only as a hash. Use `${ENV}` rather than a literal.'),
  client_secret_hash: z.string().regex(/^(sha256:[0-9a-f]{64}|\$argon2id\$.+)$/, 'must be "sha256:<64 hex digits>" or an argon2id PHC string').optional()
    .describe('Instead of client_secret: "sha256:<hex>" of a high-entropy secret, or an argon2id PHC string.'),
  token_endpoint_auth_method: oneOf(CLIENT_AUTH_METHODS, 'client authentication method').default('client_secret_basic')
    .describe('How the client authenticates at the token endpoint (RFC 7591 §2).'),
  grant_types: z.array(oneOf(GRANT_TYPES, 'grant type')).min(1).default(['password'])
    .describe('Grant types the client may use.'),
  connections: z.array(z.string()).optional().describe('Connections (realms) this client may use (default: all).'),
  default_connection: z.string().optional().describe('Connection for grant_type=password (default: the global default_connection).'),
  scope: z.string().optional().describe('Space-separated scopes the client may be granted (default: every scope that exists).'),
  refresh_token: z.strictObject({
    rotation: z.enum(['rotating', 'non-rotating']).default('rotating').describe('Rotating: each use returns a new refresh token and consumes the old one (required for public clients).'),
    leeway: z.number().int().min(0).max(300).default(0).describe('Seconds during which the immediately previous token may be used again (network retries) without counting as reuse.'),
    idle_ttl: seconds.default(1_296_000).describe('A refresh token unused this long expires (default 15 days).'),
    absolute_ttl: seconds.default(2_592_000).describe('A token family expires this long after the login, however it is used (default 30 days).'),
  }).prefault({}).describe('Refresh token policy (RFC 9700 §4.14); refresh tokens are issued when grant_types has refresh_token and offline_access is granted.'),
  introspection: z.boolean().default(false).describe('Whether the client may call the introspection endpoint (RFC 7662).'),
  api_grants: z.record(z.string(), z.array(scopeToken)).default({})
    .describe('client_credentials: the scopes the client is granted per API identifier, e.g. {"https://api.example.com": [read:items]}.'),
});

export const userSchema = z.strictObject({
  connection: z.string().describe('The connection (directory) the user belongs to.'),
  username: z.string().min(1).max(128).describe('Unique within its connection, compared case-insensitively.'),
  email: z.email().optional().describe('Also accepted as the login name; unique within its connection.'),
  email_verified: z.boolean().default(false).describe('Released as the email_verified claim.'),
  password: z.string().min(1).max(1024).optional().describe('A plain password, hashed with argon2id when stored.'),
  password_hash: z.string().regex(/^\$argon2(id|i|d)\$/, 'must be an argon2 PHC string ($argon2id$...)').optional()
    .describe('Instead of password: an argon2 PHC string.'),
  name: z.string().optional().describe('Profile claims (OIDC Core §5.1), released with the profile scope.'),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  nickname: z.string().optional(),
  picture: httpUrl.optional().describe('An http(s) URL.'),
  blocked: z.boolean().default(false).describe('A blocked user cannot log in (told so only after the right password).'),
  app_metadata: z.record(z.string(), z.unknown()).default({}).describe('Data the user cannot change (roles, plans).'),
  user_metadata: z.record(z.string(), z.unknown()).default({}).describe('Data the user may change (preferences).'),
});

export const configSchema = z.strictObject({
  issuer: httpUrl.optional()
    .describe('The `iss` of every token; every endpoint lives under this URL (its path is the route prefix). Default: http://{host}:{port}.'),
  port: z.number().int().min(0).max(65535).default(8080).describe('TCP port; 0 picks a free one.'),
  host: z.string().default('127.0.0.1').describe('Address to listen on.'),
  storage: z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must be "sqlite:<path>", "sqlite::memory:" or "postgres://user:password@host:5432/database"')
    .default('sqlite:./data/tollgate.db')
    .describe('Where state lives: "sqlite:<path>" (WAL mode), "sqlite::memory:", or "postgres://user:password@host:5432/database" (also "postgresql://") for several nodes on one database.'),
  storage_pool: z.strictObject({
    max: z.number().int().min(1).max(1000).default(10).describe('Connections this node may open.'),
    idle_timeout: z.number().int().min(1).max(86_400).default(30).describe('Seconds an unused connection stays open.'),
    connect_timeout: z.number().int().min(1).max(300).default(5).describe('Seconds to wait for a connection (a new one, or a free one from a full pool) before the operation fails as unavailable.'),
  }).prefault({}).describe('PostgreSQL connection pool, per node (ignored for SQLite).'),
  storage_cache_ttl: z.number().int().min(0).max(3_600_000).default(5000)
    .describe('Milliseconds a node serves clients, connections and APIs from memory before reading them again: with several nodes on one PostgreSQL database, the bound within which a change made on one node reaches the others (SQLite: kept until the next start).'),
  migrations: z.enum(['auto', 'manual']).default('auto')
    .describe('auto: pending schema migrations are applied at start (safe when several nodes start at once); manual: start refuses while any is pending, and `tollgate migrate` applies them.'),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level (pino).'),
  tokens: z.strictObject({
    access_token_ttl: seconds.default(600).describe('Access token lifetime in seconds.'),
    revoke_refresh_on_password_change: z.boolean().default(true).describe("A password change revokes the user's refresh tokens."),
    id_token_ttl: seconds.default(3600).describe('ID token lifetime in seconds.'),
    signing_alg: oneOf(SIGNING_ALGS, 'signing algorithm').default('RS256').describe('JWS algorithm of access and ID tokens.'),
  }).prefault({}).describe('Token lifetimes and signing.'),
  password_hashing: z.strictObject({
    memory_cost: z.number().int().min(64).max(4_194_304).default(19456).describe('argon2id memory in KiB (OWASP minimum: 19456).'),
    time_cost: z.number().int().min(1).max(100).default(2).describe('argon2id iterations (OWASP minimum with 19 MiB: 2).'),
    parallelism: z.number().int().min(1).max(16).default(1).describe('argon2id lanes.'),
  }).prefault({}).describe('argon2id parameters for new password hashes.'),
  connections: z.array(connectionSchema).min(1).default([{ name: 'Username-Password-Authentication' }])
    .describe('User directories ("realms").'),
  default_connection: z.string().optional().describe('Directory for grant_type=password (default: the first connection).'),
  default_audience: z.string().optional().describe('API used when a request names no audience.'),
  apis: z.array(apiSchema).default([]).describe('Resource servers (audiences) and their scopes.'),
  clients: z.array(clientSchema).default([]).describe('Registered clients.'),
  housekeeping: z.strictObject({
    interval: z.number().int().min(1).max(86_400).default(300).describe('Seconds between purges of expired and revoked records.'),
  }).prefault({}).describe('Background purge, so the store stays bounded.'),
  users: z.array(userSchema).default([]).describe('Users upserted into the store at start (the CLI adds more).'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ClientConfig = z.output<typeof clientSchema>;
export type UserConfig = z.output<typeof userSchema>;
export type ApiConfig = z.output<typeof apiSchema>;
export type ConnectionConfig = z.output<typeof connectionSchema>;
