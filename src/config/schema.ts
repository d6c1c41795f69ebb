/**
 * The configuration schema: one typed source for validation, defaults, the
 * TypeScript types and the generated reference (docs/configuration.md).
 * Names follow RFC 7591 client metadata and Auth0's vocabulary.
 */
import { z } from 'zod';
import { GRANT_TYPES } from '../protocol/grant-types.ts';
import { CLIENT_AUTH_METHODS } from '../protocol/client-auth-methods.ts';
import { SIGNING_ALGS } from '../protocol/algorithms.ts';
import { isIpOrCidr } from '../protection/ip-list.ts';
import { httpUrl, jsonObject, oneOf, webOrigin } from './fields.ts';
import { clientProofFields, dpopSchema, tlsSchema } from './proof-schema.ts';
import { httpSchema } from './http-schema.ts';
import { breachedPasswordSchema } from './breached-schema.ts';
import { metricsSchema, tracingSchema } from './observability-schema.ts';
import { MFA_FACTORS, MFA_POLICIES } from '../model/directory.ts';
import { BUILTIN_ACTIONS, BUILTIN_NAMES } from '../actions/builtins/index.ts';
import { REGISTERED_CLAIMS } from '../actions/claims.ts';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_" or "-"');
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'is not a valid scope token (RFC 6749 §3.3)');
const seconds = z.number().int().min(1).max(31_536_000);

/** redis://[user:password@]host[:port][/db], or rediss:// (TLS). */
function isRedisUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return ['redis:', 'rediss:'].includes(url.protocol) && url.hostname !== '' && /^(\/\d*)?$/.test(url.pathname) && url.search === '' && url.hash === '';
}

const mfaPolicy = oneOf(MFA_POLICIES, 'MFA policy')
  .describe('never: no second factor; if_enrolled: required from users with an active authenticator; always: required from everyone (users without one enrol with the mfa_token).');
const mfaFactors = z.array(oneOf(MFA_FACTORS, 'MFA factor')).min(1).refine((f) => new Set(f).size === f.length, { error: 'lists a factor twice' })
  .describe('Factors users may enrol and answer with: otp (TOTP app), email and sms (each needs its delivery under `mfa`), recovery-code.');
/** zxcvbn-ts scores (0-4) by the strength names Auth0's password policy uses. */
export const PASSWORD_STRENGTHS = { none: 0, low: 1, fair: 2, good: 3, excellent: 4 } as const;

export const passwordPolicySchema = z.strictObject({
  min_length: z.number().int().min(1).max(1024).default(8).describe('Fewest characters (Unicode code points) a new password may have.'),
  max_length: z.number().int().min(1).max(1024).default(128)
    .describe('Most characters a new password may have; at most 1024 (4 KiB of UTF-8), so hashing and strength estimation stay cheap.'),
  strength: oneOf(Object.keys(PASSWORD_STRENGTHS) as (keyof typeof PASSWORD_STRENGTHS)[], 'password strength').default('fair')
    .describe('Least strength zxcvbn-ts must estimate: none (no check), low (score 1: more than 10^3 guesses), fair (2: 10^6), good (3: 10^8), excellent (4: 10^10). Common passwords, keyboard patterns, dates and the user\'s own names score low.'),
  history: z.number().int().min(0).max(24).default(0)
    .describe('A new password may not be any of this many most recent ones, the current one included (0: no check). Only as many replaced hashes are kept.'),
  no_personal_info: z.boolean().default(true)
    .describe('Refuse a password that contains the username, the email address or its local part (parts of 3 characters or more, compared case-insensitively).'),
});

export const connectionSchema = z.strictObject({
  name: name.describe('Directory name, used as the `realm` of the password-realm grant.'),
  display_name: z.string().optional().describe('Human-readable name.'),
  public: z.boolean().default(false)
    .describe('List this connection\'s name and display_name at GET {issuer}/realms?client_id=... for the clients that may use it, so a login form can offer a realm dropdown without a management token (docs/browser-apps.md). Off by default: the list tells any visitor which directories exist.'),
  mfa: z.strictObject({
    policy: mfaPolicy.default('never'),
    factors: mfaFactors.default(['otp', 'recovery-code']),
  }).prefault({}).describe('Multi-factor authentication for logins to this connection (Auth0\'s MFA API, docs/mfa.md).'),
  password_policy: passwordPolicySchema.prefault({})
    .describe('Rules for passwords set in this connection: by `tollgate users add`, by `tollgate users import` (plain `password` fields) and by password changes. Users declared in this file under `users` are the operator\'s choice and not checked; imported hashes cannot be, until the password next changes.'),
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
    .describe('How the client authenticates at the token, revocation and introspection endpoints (RFC 7591 §2); see docs/client-authentication.md.'),
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
  trust_forwarded_for: z.boolean().default(false)
    .describe("Honour the end user's IP sent in tollgate-forwarded-for (or auth0-forwarded-for); only for a confidential client calling on users' behalf."),
  rate_limit: z.strictObject({
    requests_per_second: z.number().int().min(1).max(1_000_000).describe('Sustained requests per second.'),
    burst: z.number().int().min(1).max(1_000_000).describe('Requests at once.'),
  }).optional()
    .describe('This confidential client\'s own request rate limit at the token endpoint, counted once it has authenticated, in place of the limit of the address it calls from (docs/attack-protection.md). Default: none, the per-address limit applies.'),
  api_grants: z.record(z.string(), z.array(scopeToken)).default({})
    .describe('client_credentials: the scopes the client is granted per API identifier, e.g. {"https://api.example.com": [read:items]}.'),
  mfa: z.strictObject({
    policy: mfaPolicy.optional(),
    factors: mfaFactors.optional(),
  }).optional().describe("Overrides the connection's MFA policy and factors for this client's logins."),
  allowed_origins: z.array(webOrigin).max(100).refine((o) => new Set(o).size === o.length, { error: 'lists an origin twice' }).default([])
    .describe('Web origins (scheme://host[:port], no path, no wildcard) whose pages may call the token, revocation, userinfo, realms and /mfa/* endpoints as this client from the browser (CORS, Auth0\'s Allowed Origins); docs/browser-apps.md.'),
  client_metadata: z.record(z.string().max(255), z.string().max(255)).default({})
    .describe('Free-form string pairs about the client (Auth0\'s client_metadata), given to post-login actions as event.client.metadata.'),
  ...clientProofFields,
});

export const userSchema = z.strictObject({
  connection: z.string().describe('The connection (directory) the user belongs to.'),
  username: z.string().min(1).max(128).describe('Unique within its connection, compared case-insensitively.'),
  email: z.email().optional().describe('Also accepted as the login name; unique within its connection.'),
  email_verified: z.boolean().default(false).describe('Released as the email_verified claim.'),
  password: z.string().min(1).max(1024).optional().describe('A plain password, hashed with argon2id when stored.'),
  password_hash: z.string().regex(/^\$argon2(id|i|d)\$/, 'must be an argon2 PHC string ($argon2id$...)').optional()
    .describe('Instead of password: an argon2 PHC string.'),
  otp_secret: z.string().regex(/^[A-Z2-7]{16,128}$/, 'must be 16-128 base32 characters (A-Z, 2-7, no padding)').optional()
    .describe('An authenticator app\'s TOTP secret (base32, at least 80 bits) enrolled for the user at start, already confirmed, unless the user has an OTP authenticator already: for demos, and for users moving from a system that kept their TOTP secrets. Stored sealed like one enrolled through /mfa/associate. Use `${ENV}` rather than a literal.'),
  name: z.string().optional().describe('Profile claims (OIDC Core §5.1), released with the profile scope.'),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  nickname: z.string().optional(),
  picture: httpUrl.optional().describe('An http(s) URL.'),
  blocked: z.boolean().default(false).describe('A blocked user cannot log in (told so only after the right password).'),
  app_metadata: jsonObject().default({}).describe('Data the user cannot change (roles, plans).'),
  user_metadata: jsonObject().default({}).describe('Data the user may change (preferences).'),
});

/** smtp://user:password@host:587 or smtps://...:465. */
const smtpUrl = z.url({ protocol: /^smtps?$/, error: 'must be "smtp://user:password@host:587" or "smtps://...:465"' });

export const mfaSchema = z.strictObject({
  encryption_keys: z.array(z.string().min(32, 'must be at least 32 characters (use `openssl rand -base64 32`)')).optional()
    .describe('Keys that encrypt TOTP secrets and MAC one-time codes at rest, newest first: the first encrypts, every one decrypts (rotation). Required with PostgreSQL, so every node decrypts alike; with SQLite a key file beside the database is created when none is set. Use `${ENV}` rather than a literal.'),
  otp_issuer: z.string().min(1).max(64).default('Tollgate').describe('The issuer label authenticator apps show next to the account (otpauth URI).'),
  code_ttl: z.number().int().min(60).max(3600).default(300).describe('Seconds an emailed or texted code stays valid.'),
  send_limit: z.strictObject({
    codes: z.number().int().min(1).max(1000).default(10).describe('Codes a user may be sent in a row.'),
    per: z.number().int().min(60).max(86_400).default(3600).describe('Seconds over which that allowance refills, evenly.'),
  }).prefault({}).describe('Emailed and texted codes per user, across their authenticators (Auth0 allows 10 texts an hour): beyond it, /mfa/challenge and /mfa/associate answer 429 too_many_attempts with Retry-After, and nothing is sent. Each code costs the sender (and texts can be sold on: SMS pumping).'),
  email: z.strictObject({
    smtp: smtpUrl.describe('The SMTP server that sends codes, e.g. "smtp://user:${SMTP_PASSWORD}@mail.example.com:587" (STARTTLS when offered).'),
    from: z.string().min(3).describe('The From address, e.g. "Example <no-reply@example.com>".'),
    subject: z.string().min(1).default('Your verification code').describe('Subject of the code email.'),
  }).optional().describe('Email one-time codes (the email factor).'),
  sms: z.strictObject({
    webhook: httpUrl.describe('Tollgate POSTs {"to", "code", "message"} as JSON here; your service sends the text.'),
    authorization: z.string().optional().describe('Sent as the Authorization header of the webhook call (use `${ENV}`).'),
    timeout: z.number().int().min(100).max(30_000).default(5000).describe('Milliseconds to wait for the webhook.'),
  }).optional().describe('Text-message one-time codes (the sms factor), sent through your HTTP webhook.'),
});

export const actionSchema = z.strictObject({
  name: name.describe('Names the action in events and logs.'),
  module: z.string().min(1).optional()
    .describe('Path of an operator module (relative to this file) exporting onExecutePostLogin(event, api); trusted code, loaded at start.'),
  uses: oneOf(BUILTIN_NAMES, 'built-in action').optional().describe('Instead of module: a built-in action (docs/actions.md).'),
  with: z.record(z.string(), z.unknown()).default({}).describe('Settings of the built-in action named by uses.'),
  clients: z.array(z.string()).min(1).optional().describe('Runs only for logins of these clients (default: all).'),
  connections: z.array(z.string()).min(1).optional().describe('Runs only for logins to these connections (default: all).'),
  timeout: z.number().int().min(1).max(30_000).default(2000).describe('Milliseconds the action may take; past it the login fails with server_error.'),
}).superRefine((action, ctx) => {
  if ((action.module === undefined) === (action.uses === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['module'], message: 'give exactly one of module and uses' });
    return;
  }
  if (action.uses === undefined) {
    if (Object.keys(action.with).length > 0) ctx.addIssue({ code: 'custom', path: ['with'], message: 'only built-in actions (uses) take settings' });
    return;
  }
  const result = BUILTIN_ACTIONS[action.uses].settings.safeParse(action.with);
  for (const issue of result.error?.issues ?? []) ctx.addIssue({ code: 'custom', path: ['with', ...issue.path], message: issue.message });
});

const claimName = z.string().min(1).refine((claim) => !REGISTERED_CLAIMS.has(claim), { error: 'is a registered claim, which actions can never set' });

const ipOrCidr = z.string().refine((value) => isIpOrCidr(value), { error: 'must be an IP address or a CIDR range such as 10.0.0.0/8' });

export const attackProtectionSchema = z.strictObject({
  brute_force: z.strictObject({
    enabled: z.boolean().default(true).describe('Block an account for an IP after consecutive failed logins (RFC 6749 §4.3.2).'),
    threshold: z.number().int().min(1).max(100).default(10).describe('Consecutive failures that start the block.'),
    mode: z.enum(['per_account_and_ip', 'per_account']).default('per_account_and_ip')
      .describe('per_account_and_ip blocks only the offending IP for the account; per_account locks the account for every IP.'),
    block_ttl: seconds.optional().describe('Seconds after which a block lapses by itself (default: until an operator clears it or the password changes).'),
    queue_timeout: z.number().min(0).max(60).default(5)
      .describe('Seconds a login waits for its turn while `threshold` verifications of the same key are already in progress (docs/attack-protection.md); past it, 429 too_many_attempts with Retry-After, counted as no failure. 0: answer at once.'),
  }).prefault({}).describe('Brute-force protection per (connection, username, IP), unknown usernames included: at most `threshold` wrong passwords are verified before the block, however many arrive at once.'),
  ip_throttling: z.strictObject({
    enabled: z.boolean().default(true).describe('Throttle IPs that fail logins across many accounts.'),
    max_attempts: z.number().int().min(1).max(100_000).default(100).describe('Bucket size: failed logins an IP may make in a burst.'),
    per_day: z.number().int().min(1).max(8_640_000).default(100).describe('Refill rate: failed logins per day the bucket gives back.'),
  }).prefault({}).describe('Suspicious IP throttling: a token bucket of failed logins per IP, across all accounts.'),
  rate_limit: z.strictObject({
    enabled: z.boolean().default(true).describe('Limit token endpoint requests per IP.'),
    requests_per_second: z.number().int().min(1).max(1_000_000).default(100).describe('Sustained requests per second per IP.'),
    burst: z.number().int().min(1).max(1_000_000).default(200).describe('Requests an IP may make at once.'),
  }).prefault({}).describe('Request rate limit on the token endpoint, per IP (in each node\'s memory; shared by all nodes, as fixed windows, when `cache` is set).'),
  allowlist: z.array(ipOrCidr).default([]).describe('IPs and CIDR ranges exempt from IP throttling and the rate limit.'),
  breached_password_detection: breachedPasswordSchema.prefault({})
    .describe('Breached password detection (Auth0\'s): passwords seen in public data breaches are refused or reported, at login and when set.'),
});

export const configSchema = z.strictObject({
  issuer: httpUrl.optional()
    .describe('The `iss` of every token, written exactly as given; every endpoint lives under this URL (its path is the route prefix). A trailing slash is kept in iss and discovery but never doubled in endpoint URLs: write https://{domain}/ for Auth0\'s SDKs, which require it (docs/auth0-compatibility.md). Default: http://{host}:{port}.'),
  port: z.number().int().min(0).max(65535).default(8080).describe('TCP port; 0 picks a free one.'),
  host: z.string().default('127.0.0.1').describe('Address to listen on.'),
  http: httpSchema.prefault({}).describe('Timeouts and the per-address connection cap that keep slow and idle clients from tying a node up.'),
  storage: z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must be "sqlite:<path>", "sqlite::memory:" or "postgres://user:password@host:5432/database"')
    .default('sqlite:./data/tollgate.db')
    .describe('Where state lives: "sqlite:<path>" (WAL mode), "sqlite::memory:", or "postgres://user:password@host:5432/database" (also "postgresql://") for several nodes on one database.'),
  storage_pool: z.strictObject({
    max: z.number().int().min(1).max(1000).default(10).describe('Connections this node may open.'),
    idle_timeout: z.number().int().min(1).max(86_400).default(30).describe('Seconds an unused connection stays open.'),
    connect_timeout: z.number().int().min(1).max(300).default(5).describe('Seconds to wait for a connection (a new one, or a free one from a full pool) before the operation fails as unavailable.'),
  }).prefault({}).describe('PostgreSQL connection pool, per node (ignored for SQLite).'),
  storage_cache_ttl: z.number().int().min(0).max(3_600_000).default(5000)
    .describe('Milliseconds a node serves clients, connections and APIs from memory before reading them again: the bound within which a change made on another node, or with the CLI, reaches this one (the node that makes a change sees it at once).'),
  migrations: z.enum(['auto', 'manual']).default('auto')
    .describe('auto: pending schema migrations are applied at start (safe when several nodes start at once); manual: start refuses while any is pending, and `tollgate migrate` applies them.'),
  cache: z.string().refine(isRedisUrl, { error: 'must be "redis://host:6379" with an optional "/db" number, or "rediss://..." for TLS' }).optional()
    .describe('Redis for the IP throttling buckets, the request rate limit and the access-token denylist, shared by every node: "redis://[:password@]host:6379[/db]", or "rediss://" for TLS. Without it they stay in `storage` (the request rate limit in each node\'s memory). Brute-force counters and blocks always stay in `storage`. While Redis is unreachable, protection falls back to `storage` and a cache.unavailable event says so.'),
  cache_prefix: z.string().min(1).max(100).default('tollgate:')
    .describe('Every Redis key Tollgate writes starts with this, so several deployments can share one Redis.'),
  shutdown_delay: z.number().int().min(0).max(3600).default(0)
    .describe('Seconds a node keeps serving after SIGTERM while /health/ready answers 503 "draining", so that a load balancer stops sending it requests before it closes: at least the load balancer\'s health check interval times its unhealthy threshold. A second SIGTERM, or SIGINT, closes at once.'),
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(1024)]).default('auto')
    .describe('Processes `tollgate serve` runs behind one listening socket (node:cluster), each a full node sharing the store; a worker that dies is restarted. auto: one per core (os.availableParallelism()) on PostgreSQL, 1 on SQLite, where one writer at a time is the limit (docs/deployment.md). `--workers` overrides it.'),
  thread_pool_size: z.union([z.literal('auto'), z.number().int().min(1).max(1024)]).default('auto')
    .describe('Threads of each process\'s libuv pool, where argon2id hashing and signing run (UV_THREADPOOL_SIZE, set before the pool starts). auto: the cores divided among the workers, at least 4 (libuv\'s default, which also serves DNS lookups and file reads).'),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('Log level (pino); health probes are logged at debug. Lines are JSON with level names and ISO 8601 times, or pino-pretty\'s when standard output is a terminal.'),
  metrics: metricsSchema.prefault({}).describe('Prometheus metrics (docs/operations.md lists them).'),
  tracing: tracingSchema.prefault({}).describe('OpenTelemetry traces (docs/operations.md).'),
  tokens: z.strictObject({
    access_token_ttl: seconds.default(600).describe('Access token lifetime in seconds.'),
    revoke_refresh_on_password_change: z.boolean().default(true).describe("A password change revokes the user's refresh tokens and the access tokens issued from them."),
    id_token_ttl: seconds.default(3600).describe('ID token lifetime in seconds.'),
    signing_alg: oneOf(SIGNING_ALGS, 'signing algorithm').default('RS256').describe('JWS algorithm of access and ID tokens.'),
  }).prefault({}).describe('Token lifetimes and signing.'),
  keys: z.strictObject({
    cache_ttl: z.number().int().min(1).max(86_400).default(60)
      .describe('Seconds a node uses the signing keys it loaded before reading them from the store again: the bound within which a rotation or revocation made on one node (or with `tollgate keys`) reaches every node\'s signing, verification and JWKS. The JWKS is served with this max-age.'),
  }).prefault({}).describe('Signing keys (rotated and revoked with `tollgate keys`).'),
  password_hashing: z.strictObject({
    memory_cost: z.number().int().min(64).max(4_194_304).default(19456).describe('argon2id memory in KiB (OWASP minimum: 19456).'),
    time_cost: z.number().int().min(1).max(100).default(2).describe('argon2id iterations (OWASP minimum with 19 MiB: 2).'),
    parallelism: z.number().int().min(1).max(16).default(1).describe('argon2id lanes.'),
  }).prefault({}).describe('argon2id parameters for new password hashes.'),
  connections: z.array(connectionSchema).min(1).prefault([{ name: 'Username-Password-Authentication' }])
    .describe('User directories ("realms").'),
  default_connection: z.string().optional().describe('Directory for grant_type=password (default: the first connection).'),
  default_audience: z.string().optional().describe('API used when a request names no audience.'),
  apis: z.array(apiSchema).default([]).describe('Resource servers (audiences) and their scopes.'),
  clients: z.array(clientSchema).default([]).describe('Registered clients.'),
  trusted_proxies: z.array(ipOrCidr).default([])
    .describe('Proxies whose X-Forwarded-For / Forwarded headers name the client IP, and whose X-Request-Id becomes the request\'s id; with none, the socket address is the client IP and every request gets a new id.'),
  tls: tlsSchema,
  dpop: dpopSchema,
  attack_protection: attackProtectionSchema.prefault({}).describe('Brute-force protection, suspicious IP throttling, breached-password detection and rate limits. The management API\'s /attack-protection resources change some of these settings at runtime, on every node; a change made there holds until the file\'s value for that setting is edited (docs/management.md).'),
  events: z.strictObject({
    retention_days: z.number().int().min(1).max(3650).default(30).describe('Audit events older than this are purged.'),
  }).prefault({}).describe('The audit event log (tollgate logs).'),
  management: z.strictObject({
    import_max_bytes: z.number().int().min(1024).max(256 * 1024 ** 2).default(50 * 1024 ** 2)
      .describe('Largest upload POST /api/v2/jobs/users-imports accepts, in bytes (larger: 413); at most 256 MiB, as the file becomes one JavaScript string. The whole file is held in memory while it imports.'),
    job_retention_days: z.number().int().min(1).max(3650).default(7).describe('Finished jobs (and their error lists) older than this are purged.'),
  }).prefault({}).describe('The management API under {issuer}/api/v2 (docs/management.md).'),
  housekeeping: z.strictObject({
    interval: z.number().int().min(1).max(86_400).default(300).describe('Seconds between purges of expired and revoked records.'),
  }).prefault({}).describe('Background purge, so the store stays bounded.'),
  users: z.array(userSchema).default([]).describe('Users upserted into the store at start (the CLI adds more).'),
  legacy: z.strictObject({
    resource_owner_endpoint: z.boolean().default(false)
      .describe('Serve POST {issuer}/oauth/ro, Auth0\'s resource owner endpoint from before OIDC-conformant authentication, for clients not yet moved to /oauth/token (docs/legacy-resource-owner.md). Off: the path answers 404 like any unknown one. Every answer carries a Deprecation header (RFC 9745).'),
    deprecation_link: httpUrl.optional()
      .describe('Where the Link header of /oauth/ro\'s answers (rel="deprecation", RFC 9745 §3) points: your migration notes, such as a copy of docs/legacy-resource-owner.md. Without it, no Link header.'),
  }).prefault({}).describe('Deprecated Auth0 endpoints, each off unless enabled.'),
  mfa: mfaSchema.prefault({}).describe('How second factors are kept and delivered; when they are required is set per connection and client (`mfa.policy`).'),
  actions: z.array(actionSchema).default([])
    .describe('Post-login actions, run in this order after each successful login and refresh (docs/actions.md).'),
  custom_claims: z.strictObject({
    allow: z.array(claimName).default([]).describe('Claim names actions may set without a namespace, e.g. favorite_color.'),
  }).prefault({}).describe('Rules for the claims actions add to tokens: namespaced (http(s) URL) names, or these.'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ClientConfig = z.output<typeof clientSchema>;
export type UserConfig = z.output<typeof userSchema>;
export type ApiConfig = z.output<typeof apiSchema>;
export type AttackProtectionConfig = z.output<typeof attackProtectionSchema>;
export type ConnectionConfig = z.output<typeof connectionSchema>;
export type MfaConfig = z.output<typeof mfaSchema>;
export type ActionConfig = z.output<typeof actionSchema>;
export type PasswordPolicy = z.output<typeof passwordPolicySchema>;
