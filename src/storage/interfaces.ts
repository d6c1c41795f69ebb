/**
 * Storage interfaces: small, composed, and async so every backend fits.
 * Stores keep and return hashes; they never verify a credential
 * (ARCHITECTURE.md principle 4).
 */
import type { JSONWebKeySet, JWK } from 'jose';
import type { ClientAuthMethod } from '../client-auth/names.ts';
import type { GrantType } from '../grants/names.ts';
import type { AssertionAlg, SigningAlg } from '../keys/algorithms.ts';
import type { ActionFactor, LoginProtocol } from '../actions/types.ts';
import type { ActionOutcome } from '../actions/action-calls.ts';

export type Metadata = Record<string, unknown>;

export interface UserRecord {
  /** The stable, opaque `sub`, unique across connections. */
  id: string;
  connection: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  /**
   * PHC string: argon2id as Tollgate makes it, or a hash imported from another system (bcrypt, argon2i/d,
   * `$pbkdf2-sha256$`, `$scrypt$`, `$sha256$`... see accounts/legacy/), replaced by argon2id at the first successful login.
   */
  password_hash: string;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  nickname: string | null;
  picture: string | null;
  blocked: boolean;
  app_metadata: Metadata;
  user_metadata: Metadata;
  /** Unix seconds. */
  created_at: number;
  updated_at: number;
  /**
   * Unix seconds when breached password detection found the current password in the list of leaked passwords; null
   * otherwise. A new password hash clears it (replacePasswordHash), so it always speaks of the password in use.
   */
  password_leaked_at: number | null;
}

export type NewUser = Omit<UserRecord, 'id' | 'created_at' | 'updated_at' | 'password_leaked_at'>;

/** What an operator may change about a user: everything but the id, the connection, the password and the times. */
export type UserProfile = Omit<NewUser, 'connection' | 'password_hash'>;

/** Exact matches, each optional; username and email case-insensitively. */
export interface UserFilter {
  connection?: string;
  username?: string;
  email?: string;
}

export interface ClientRecord extends ClientProofMetadata {
  client_id: string;
  name: string | null;
  /** "sha256:<hex>" or an argon2id PHC string; null for public clients. */
  secret_hash: string | null;
  token_endpoint_auth_method: ClientAuthMethod;
  grant_types: GrantType[];
  /** Connections the client may use; null means all. */
  connections: string[] | null;
  default_connection: string | null;
  /** Scopes the client may be granted; null means every scope that exists. */
  scope: string | null;
  refresh_token: RefreshPolicy;
  introspection: boolean;
  /** Whether the end user's IP in tollgate-forwarded-for is believed (confidential clients only). */
  trust_forwarded_for: boolean;
  /** client_credentials: scopes granted per API identifier. */
  api_grants: Record<string, string[]>;
  /** Overrides the connection's MFA policy for this client. */
  mfa: Partial<MfaPolicy> | null;
  /** Free-form pairs for post-login actions (Auth0's client_metadata); absent from records written before it existed. */
  client_metadata?: Record<string, string>;
}

/**
 * Client metadata for authentication beyond secrets and for sender-constrained tokens (RFC 7591 §2, RFC 8705
 * §2.1.2 and §3.4, RFC 9449 §5.2); optional, so records written before they existed still read.
 */
export interface ClientProofMetadata {
  /** client_secret_jwt, private_key_jwt: the only JWS algorithm accepted for the client's assertions. */
  token_endpoint_auth_signing_alg?: AssertionAlg;
  /** The client's public keys (private_key_jwt, self_signed_tls_client_auth), inline ... */
  jwks?: JSONWebKeySet;
  /** ... or where to fetch them. */
  jwks_uri?: string;
  /** tls_client_auth: exactly one of these names the certificate the client must present (RFC 8705 §2.1.2). */
  tls_client_auth_subject_dn?: string;
  tls_client_auth_san_dns?: string;
  tls_client_auth_san_uri?: string;
  tls_client_auth_san_ip?: string;
  tls_client_auth_san_email?: string;
  /** Access tokens carry the client certificate's thumbprint (RFC 8705 §3). */
  tls_client_certificate_bound_access_tokens?: boolean;
  /** Every token request must carry a DPoP proof (RFC 9449 §5.2). */
  dpop_bound_access_tokens?: boolean;
}

export interface RefreshPolicy {
  rotation: 'rotating' | 'non-rotating';
  leeway: number;
  idle_ttl: number;
  absolute_ttl: number;
}

/** What a token is bound to (RFC 7800 §3.1 cnf): a TLS client certificate (RFC 8705 §3.1), a DPoP key (RFC 9449 §6.1). */
export interface Confirmation {
  /** base64url SHA-256 of the DER certificate. */
  'x5t#S256'?: string;
  /** The JWK SHA-256 thumbprint (RFC 7638) of the DPoP proof key. */
  jkt?: string;
}

/** What a login granted, carried by the tokens that continue it (a refresh token, an mfa_token). */
export interface LoginGrant {
  client_id: string;
  user_id: string;
  connection: string;
  scope: string[];
  audience: string | null;
  auth_time: number;
  /** Authentication methods (RFC 8176) shown so far. */
  amr: string[];
}

/**
 * A refresh-token family at rest: one record from the login to the family's end, however often it rotates, holding
 * only SHA-256 hashes of its tokens (RFC 9700 §4.14.2, RFC 6819 §5.1.4.1.3 and §5.2.2.3). A token names its family
 * by the selector it carries (tokens/refresh.ts), so a rotation rewrites this record in place and no index.
 */
export interface RefreshFamilyRecord extends LoginGrant {
  /** The lookup half of every token of the family; not a secret. */
  selector: string;
  /** Whose sid the family's access tokens carry; every record of a family shares it (see refresh.ts). */
  family_id: string;
  /** Rotations so far: 0 for the login's token. */
  generation: number;
  /** SHA-256 of each live token: one, or a few more after re-issues within the leeway. */
  token_hashes: string[];
  /** SHA-256 of the tokens the last rotation consumed: presenting one again is a retry, a lost race or reuse. */
  previous_hashes: string[];
  /** When the last rotation happened; null before the first. */
  rotated_at: number | null;
  created_at: number;
  /** Absolute expiry of the family. */
  family_expires_at: number;
  idle_expires_at: number;
  revoked_at: number | null;
  /** A public client's tokens are bound to what it proved at login; each use must prove it again (RFC 8705 §4, RFC 9449 §5). */
  cnf: Confirmation | null;
  /** The device the family was issued to: the legacy /oauth/ro's `device` parameter; null from /oauth/token. */
  device: string | null;
}

/** What a rotation or a re-issue within the leeway writes to a family. */
export type RefreshFamilyState = Pick<RefreshFamilyRecord, 'generation' | 'token_hashes' | 'previous_hashes' | 'rotated_at' | 'idle_expires_at'>;

/** An opaque access token of the legacy /oauth/ro, good only at /userinfo, as Auth0's was: only its SHA-256 is kept. */
export interface LegacyAccessTokenRecord {
  /** SHA-256 of the token. */
  id: string;
  client_id: string;
  user_id: string;
  /** The OIDC scopes granted (openid, profile, email, offline_access): what /userinfo releases. */
  scope: string[];
  created_at: number;
  expires_at: number;
  /** The sid of the refresh-token family issued with it, so revoking the family denies it too (RFC 7009 §2.1); else null. */
  sid: string | null;
}

export interface LegacyTokenStore {
  createLegacyToken(token: LegacyAccessTokenRecord): Promise<void>;
  findLegacyToken(id: string): Promise<LegacyAccessTokenRecord | undefined>;
  /** Revocation (RFC 7009): the token is forgotten. False when there was no such token. */
  deleteLegacyToken(id: string): Promise<boolean>;
  /** Deletes expired tokens; returns how many went. */
  purge(now: number): Promise<number>;
}

export const MFA_POLICIES = ['never', 'if_enrolled', 'always'] as const;
export type MfaPolicyName = (typeof MFA_POLICIES)[number];
export const MFA_FACTORS = ['otp', 'email', 'sms', 'recovery-code'] as const;
export type MfaFactor = (typeof MFA_FACTORS)[number];

/** When a login needs a second factor, and which factors count. */
export interface MfaPolicy {
  policy: MfaPolicyName;
  factors: MfaFactor[];
}

export interface ConnectionRecord {
  name: string;
  display_name: string | null;
  mfa: MfaPolicy;
}

export interface ApiRecord {
  identifier: string;
  name: string | null;
  scopes: string[];
  access_token_ttl: number | null;
}

/**
 * A signing key's lifecycle: `next` is published ahead of use, `current` signs (one per algorithm), `previous` no
 * longer signs but still verifies what it signed, `revoked` is gone from the JWKS and from verification.
 */
export const KEY_STATES = ['next', 'current', 'previous', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

/** A new key, before the store gives it a state. */
export interface NewSigningKey {
  kid: string;
  alg: SigningAlg;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: number;
}

export interface SigningKeyRecord extends NewSigningKey {
  state: KeyState;
  /** Unix seconds: when it became current; null while next. */
  activated_at: number | null;
  /** When it stopped signing (became previous). */
  retired_at: number | null;
  /** When it was revoked; its private part is erased then. */
  revoked_at: number | null;
}

/** Thrown by stores when a unique constraint would be broken. */
export class ConflictError extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'ConflictError';
  }
}

/**
 * Thrown by stores when the database cannot be reached (refused, reset, shut down, pool timeout): nothing was
 * written, and the same request may succeed once it is back (HTTP 503 temporarily_unavailable).
 */
export class StoreUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the store is unavailable', options);
    this.name = 'StoreUnavailableError';
  }
}

/** Told by a store whose database is across a network whether each call reached it (observability/outages.ts listens). */
export interface AvailabilityWatcher {
  /** A call failed with StoreUnavailableError; `err` is the cause. */
  failed(err: unknown): void;
  /** A call reached the database. */
  answered(): void;
}

export interface UserStore {
  /** Case-insensitive lookup by username, then by email, within one connection. */
  findUserByLogin(connection: string, login: string): Promise<UserRecord | undefined>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Throws ConflictError when the username or email is taken in that connection. */
  createUser(user: NewUser, now: number): Promise<UserRecord>;
  /** Replaces every field but id and created_at (password_leaked_at as given: null when the hash changes). */
  updateUser(user: UserRecord, now: number): Promise<void>;
  /**
   * Conditional write: replaces the hash only if it is still `expected` (lazy rehash must not undo a password change),
   * and clears password_leaked_at with it.
   */
  replacePasswordHash(id: string, expected: string, replacement: string, now: number): Promise<boolean>;
  /**
   * Sets password_leaked_at, only while the hash is still `passwordHash` (a password changed meanwhile is not the one
   * found) and the flag is not set yet; true when this call set it, so the first detection alone notifies.
   */
  markPasswordLeaked(id: string, passwordHash: string, now: number): Promise<boolean>;
  /** Ordered by connection, then username. */
  listUsers(filter: UserFilter & { limit: number; offset: number }): Promise<UserRecord[]>;
  countUsers(filter: UserFilter): Promise<number>;
  /**
   * Replaces the profile only, never the password hash, so it cannot undo a concurrent password change. False when
   * there is no such user; ConflictError when the username or email is taken in its connection.
   */
  updateProfile(id: string, profile: UserProfile, now: number): Promise<boolean>;
  /**
   * Sets top-level app_metadata / user_metadata keys (null removes one) in one atomic write, so a concurrent change
   * to other keys or to the profile survives. False when there is no such user.
   */
  patchMetadata(id: string, patch: MetadataPatch, now: number): Promise<boolean>;
  /** False when there was no such user. */
  deleteUser(id: string): Promise<boolean>;
}

export interface MetadataPatch {
  app_metadata?: Metadata;
  user_metadata?: Metadata;
}

/** `metadata` with `patch`'s top-level keys set, and those patched to null removed (nested objects are replaced, not merged). */
export function patchedMetadata(metadata: Metadata, patch: Metadata | undefined): Metadata {
  const result = { ...metadata };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete result[key];
    else result[key] = value;
  }
  return result;
}

/** What a batch import did with each user, in the order given. */
export type ImportedUser =
  | { outcome: 'created'; id: string }
  /** Upsert: the profile was replaced; `password_hash` is the hash the user still has, for a conditional replacePasswordHash. */
  | { outcome: 'updated'; id: string; password_hash: string }
  | { outcome: 'conflict' };

export interface UserImportStore {
  /**
   * Creates `users` in order, in one transaction. One whose username or email is taken in its connection (by a
   * stored user or an earlier one of the batch) is a conflict; with `upsert`, when exactly one user holds them,
   * that user's profile (PROFILE_COLUMNS in ./users.ts) is replaced instead: never its username, email, blocked
   * flag or password hash.
   */
  importUsers(users: NewUser[], now: number, options: { upsert: boolean }): Promise<ImportedUser[]>;
}

/** Hashes of replaced passwords, for password_policy.history; deleted with their user. */
export interface PasswordHistoryStore {
  /** The user's replaced hashes, newest first, at most `limit`. */
  listPasswordHistory(userId: string, limit: number): Promise<string[]>;
  /** Remembers a replaced hash, then keeps only the user's `keep` newest (0 forgets them all). */
  addPasswordHistory(userId: string, passwordHash: string, now: number, keep: number): Promise<void>;
}

/** Records the configuration file owns: synchronised at start, the ones it no longer lists are removed. */
export interface ConfiguredStore {
  syncClients(clients: ClientRecord[]): Promise<void>;
  syncConnections(connections: ConnectionRecord[]): Promise<void>;
  syncApis(apis: ApiRecord[]): Promise<void>;
}

/** The records the configuration file and the management API share, by kind (each kind is a table of its own). */
export interface ConfiguredRecords {
  clients: ClientRecord;
  connections: ConnectionRecord;
  apis: ApiRecord;
}
export type ConfiguredKind = keyof ConfiguredRecords;

/** Each kind's key field. */
export const CONFIGURED_KEYS = { clients: 'client_id', connections: 'name', apis: 'identifier' } as const satisfies {
  [K in ConfiguredKind]: keyof ConfiguredRecords[K];
};

/** Who owns a configured record: the configuration file (synchronised at start) or the management API and CLI. */
export type Owner = 'config' | 'api';

export interface Owned<T> {
  record: T;
  managed_by: Owner;
}

/**
 * Records the management API and the CLI own (managed_by 'api'). They may read every record, but change only their
 * own: the file's are rewritten from the file at every start. Changes reach this node at once and the others within
 * the store's configured-record cache bound (storage_cache_ttl).
 */
export interface ManagedStore {
  /** Every record of the kind with its owner, in key order (read from the store, not the cache). */
  listOwned<K extends ConfiguredKind>(kind: K): Promise<Owned<ConfiguredRecords[K]>[]>;
  /** Inserts a record the API owns; ConflictError when a record of that kind has the key already. */
  insertRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<void>;
  /** Replaces the record with the same key if the API owns it; returns its owner before the call (undefined: none). */
  replaceRecord<K extends ConfiguredKind>(kind: K, record: ConfiguredRecords[K]): Promise<Owner | undefined>;
  /** Deletes the record if the API owns it; returns its owner before the call (undefined: none). */
  deleteRecord(kind: ConfiguredKind, key: string): Promise<Owner | undefined>;
}

export interface ClientStore {
  getClient(clientId: string): Promise<ClientRecord | undefined>;
}

export interface DirectoryStore {
  getConnection(name: string): Promise<ConnectionRecord | undefined>;
  listConnections(): Promise<ConnectionRecord[]>;
  getApi(identifier: string): Promise<ApiRecord | undefined>;
  listApis(): Promise<ApiRecord[]>;
}

export interface KeyStore {
  /** Every key, revoked ones included, oldest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Inserts a key as its algorithm's current or next one, unless the algorithm has one in that state already (or
   * the kid exists): false then, and the caller reads the keys again (another node got there first).
   */
  addSigningKey(key: NewSigningKey, state: 'current' | 'next'): Promise<boolean>;
  /**
   * One transaction, serialised per algorithm: the algorithm's next key becomes current, its current one previous,
   * and `next` (of the same algorithm) the new next. Returns the key that became current; undefined, changing
   * nothing, when the algorithm has no next key.
   */
  rotateSigningKey(next: NewSigningKey, now: number): Promise<SigningKeyRecord | undefined>;
  /**
   * Revokes a next or previous key (erasing its private part); never a current one. Returns the key as it was
   * before, so the caller can tell why nothing changed (undefined: no such kid).
   */
  revokeSigningKey(kid: string, now: number): Promise<SigningKeyRecord | undefined>;
}

export interface RefreshTokenStore {
  createRefreshFamily(family: RefreshFamilyRecord): Promise<void>;
  findRefreshFamily(selector: string): Promise<RefreshFamilyRecord | undefined>;
  /**
   * One conditional write (compare-and-set): the family takes `next` only if it is unrevoked and its live hashes are
   * still exactly `expected`, so of concurrent rotations of one token exactly one succeeds. False if it did not.
   */
  advanceRefreshFamily(selector: string, expected: readonly string[], next: RefreshFamilyState): Promise<boolean>;
  /** Non-rotating use: pushes the idle expiry forward. */
  touchRefreshFamily(selector: string, idleExpiresAt: number): Promise<void>;
  revokeRefreshFamily(familyId: string, now: number): Promise<void>;
  /** Revokes every unrevoked family of the user; returns their ids, each once. */
  revokeUserRefreshTokens(userId: string, now: number): Promise<string[]>;
}

/** Auth0's authenticator types: a TOTP app, an out-of-band channel, the recovery code. */
export type AuthenticatorType = 'otp' | 'oob' | 'recovery-code';
export type OobChannel = 'email' | 'sms';

export interface AuthenticatorRecord {
  /** Auth0's shape: "totp|dev_…", "email|dev_…", "sms|dev_…", "recovery-code|dev_…". */
  id: string;
  user_id: string;
  type: AuthenticatorType;
  oob_channel: OobChannel | null;
  /** Where out-of-band codes go: the email address or phone number. */
  address: string | null;
  /** TOTP: the shared secret, encrypted (mfa/secret-box.ts); recovery code: its SHA-256; OOB: null. */
  secret: string | null;
  created_at: number;
  /** When its first code was verified; null while the enrolment is unconfirmed. */
  activated_at: number | null;
}

/** The mfa_token of an `mfa_required` answer: what the first step granted, waiting for a second factor. */
/** How an MFA login began, so its second step ends it the same way; null on tokens made before it was kept. */
export interface MfaLoginState {
  protocol: LoginProtocol;
  requested_scopes: string[];
  /** The factor a post-login action asked for; absent when the MFA policy asked. */
  factor?: ActionFactor;
  /** What the actions decided before asking for MFA: applied after it, without running them again. */
  actions?: ActionOutcome;
}

export interface MfaTokenRecord extends LoginGrant {
  /** SHA-256 of the token. */
  id: string;
  login: MfaLoginState | null;
  created_at: number;
  expires_at: number;
  /** Wrong codes presented with it; at the limit it is dead. */
  failures: number;
  consumed_at: number | null;
}

/** An out-of-band challenge: the code sent by email or SMS, waiting to be bound (Auth0's binding_method "prompt"). */
export interface OobChallengeRecord {
  /** SHA-256 of the oob_code handed to the client. */
  id: string;
  mfa_token_id: string;
  authenticator_id: string;
  /** Keyed MAC of the binding code sent to the user (a 6-digit code: a plain hash would be guessed from a dump). */
  binding_hash: string;
  created_at: number;
  expires_at: number;
  /** Last time the client polled with it (slow_down below the interval). */
  polled_at: number | null;
  consumed_at: number | null;
}

/** MFA state: every single-use step is one conditional write (ARCHITECTURE.md principle 7). */
export interface MfaStore {
  createMfaToken(token: MfaTokenRecord): Promise<void>;
  findMfaToken(id: string): Promise<MfaTokenRecord | undefined>;
  /** One atomic increment of an unconsumed token's wrong codes; returns the count after it (0 when there is no such token). */
  addMfaTokenFailure(id: string): Promise<number>;
  /** Consumes the token if it is unconsumed, unexpired at `now` and below `maxFailures`; false otherwise. */
  consumeMfaToken(id: string, now: number, maxFailures: number): Promise<boolean>;
  /** Oldest first. */
  listAuthenticators(userId: string): Promise<AuthenticatorRecord[]>;
  addAuthenticator(authenticator: AuthenticatorRecord): Promise<void>;
  /** Confirms an enrolment; false when it was already active or is gone. */
  activateAuthenticator(id: string, now: number): Promise<boolean>;
  /** Replaces the secret only if it is still `expected`: what makes a recovery code one-time. */
  replaceAuthenticatorSecret(id: string, expected: string, replacement: string): Promise<boolean>;
  deleteAuthenticator(userId: string, id: string): Promise<boolean>;
  /** Removes every authenticator of the user (an MFA reset); returns how many went. */
  deleteUserAuthenticators(userId: string): Promise<number>;
  createOobChallenge(challenge: OobChallengeRecord): Promise<void>;
  findOobChallenge(id: string): Promise<OobChallengeRecord | undefined>;
  /** Records a poll at `now` unless the previous one was less than `interval` seconds before (false: slow_down). */
  pollOobChallenge(id: string, now: number, interval: number): Promise<boolean>;
  /** Consumes a challenge that is unconsumed and unexpired at `now`; false otherwise. */
  consumeOobChallenge(id: string, now: number): Promise<boolean>;
  /** Deletes expired tokens and challenges and enrolments left unconfirmed for a day; returns how many went. */
  purge(now: number): Promise<number>;
}

/** What the denylist knows an access token by: its own jti, and the sid of the refresh-token family it belongs to, if any. */
export interface DeniableToken {
  jti: string;
  sid?: string | undefined;
}

/**
 * Revoked access tokens (RFC 7009 §2), each entry kept until it can no longer matter: one token by its jti, or every
 * access token issued with or from a refresh-token family by the family's sid (§2.1).
 */
export interface DenylistStore {
  /** Denies one access token until `expiresAt` (its exp). */
  denyAccessToken(jti: string, expiresAt: number): Promise<void>;
  /** Denies every access token carrying `sid` until `expiresAt` (past the exp of any of them). */
  denySession(sid: string, expiresAt: number): Promise<void>;
  /** Whether the token is denied by its jti or by its sid: one lookup. */
  isAccessTokenDenied(token: DeniableToken): Promise<boolean>;
  /**
   * Entries still in force at `now` (expires_at after it), by key (denylist-keys.ts) past `after`, at most `limit`,
   * in key order: a cache that lost its copy reads them all back, a page at a time.
   */
  listDenied(after: string, limit: number, now: number): Promise<DeniedEntry[]>;
}

/** One denylist entry: a jti, or "sid:" and a family's sid (denylist-keys.ts), denied until `expires_at`. */
export interface DeniedEntry {
  key: string;
  expires_at: number;
}

/**
 * Identifiers that may be used once (a client assertion's or DPoP proof's jti, a TOTP code): each is remembered
 * until it expires, so a replay before then is refused (RFC 7523 §3, RFC 9449 §11.1, RFC 6238 §5.2).
 */
export interface SingleUseStore {
  /** One atomic insert: true the first time `key` is used, false while an earlier use is remembered (until its `expiresAt`). */
  useOnce(key: string, expiresAt: number, now: number): Promise<boolean>;
}

/**
 * Brute-force counters. The key's username is the canonical (lower-case) name of the account, or the
 * lower-cased login of an unknown one, so probing is counted like guessing; `ip` is "*" in per-account mode.
 */
export interface LoginFailureKey {
  connection: string;
  username: string;
  ip: string;
}

export interface LoginFailureState {
  failures: number;
  /** Unix seconds at which the threshold was reached; null while below it. */
  blocked_at: number | null;
  /** When the block lapses by itself (block_ttl); null means until an operator or a password change clears it. */
  block_expires_at: number | null;
}

export interface LoginBlockRecord extends LoginFailureKey, LoginFailureState {
  last_failure_at: number;
}

export interface BucketPolicy {
  capacity: number;
  refill_per_second: number;
}

export interface BucketResult {
  allowed: boolean;
  /** Seconds until the bucket holds a whole token again (0 when allowed). */
  retry_after: number;
}

/**
 * A reservation's answer: `reserved` holds one of the key's slots until it is released or turned into a failure;
 * `blocked` is a block in force (or at least `threshold` failures under a threshold since lowered); `full` means
 * every slot is in use.
 */
export interface SlotReservation {
  outcome: 'reserved' | 'blocked' | 'full';
}

/**
 * Brute-force counters, slots and blocks, in the SQL store only: it is the authority for blocks (a cache may lose
 * its data; a block must not be lost with it), and one conditional write per admission is cheap beside the password hash it guards.
 */
export interface LoginFailureStore {
  /** The key's counter; undefined when it holds no failure, or its block has lapsed at `now`. */
  getLoginFailures(key: LoginFailureKey, now: number): Promise<LoginFailureState | undefined>;
  /**
   * Admission to one password verification, in one atomic conditional write: a slot is taken only while the key is
   * not blocked and failures + slots in use < `threshold`, so however many callers race, at most `threshold`
   * verifications run before the block. The slot lapses at `now + lease` (renewed by every later reservation of the key).
   */
  reserveLoginSlot(key: LoginFailureKey, now: number, threshold: number, lease: number): Promise<SlotReservation>;
  /**
   * A wrong password (or unknown user): one atomic write turns the caller's slot into a counted failure. The call
   * whose failure reaches `threshold` starts the block, so exactly one caller sees `failures === threshold`. A
   * lapsed block restarts the count at 1.
   */
  addLoginFailure(key: LoginFailureKey, now: number, threshold: number, blockTtl: number | null): Promise<LoginFailureState>;
  /** Gives the caller's slot back; `reset` (a right password) also sets the key's failures back to zero. */
  releaseLoginSlot(key: LoginFailureKey, now: number, reset: boolean): Promise<void>;
  /** Blocks in force at `now`, oldest first. */
  listLoginBlocks(filter: { connection?: string; username?: string }, now: number): Promise<LoginBlockRecord[]>;
  /** Clears the failures (blocked or not) of an account, or of one IP of it; returns how many keys had any. */
  clearLoginFailures(filter: { connection: string; username: string; ip?: string }): Promise<number>;
}

/** Token buckets (suspicious IP throttling, MFA limits): in Redis when there is one, as losing them only forgives. */
export interface BucketStore {
  /**
   * Token bucket of `capacity` refilled at `refill_per_second`, created full: takes `cost` tokens when the
   * bucket holds them (cost 0 only looks). One atomic write.
   */
  takeFromBucket(bucket: string, cost: 0 | 1, now: number, policy: BucketPolicy): Promise<BucketResult>;
  /** Puts back one token taken earlier (never above `capacity`): an attempt that turned out not to count. */
  giveBackToBucket(bucket: string, now: number, policy: BucketPolicy): Promise<void>;
}

/** State of attack protection. */
export interface AttemptStore extends LoginFailureStore, BucketStore {}

export const EVENT_TYPES = [
  'login.success', 'login.wrong_password', 'login.unknown_user', 'login.user_blocked', 'login.refused',
  'brute_force.blocked', 'brute_force.unblocked', 'ip.throttled', 'ip.rate_limited', 'forwarded_for.ignored', 'token.failure',
  'cache.unavailable', 'cache.recovered', 'key.rotated', 'key.revoked',
  // Events lost while the store was unreachable and the queue in memory full (reason: how many).
  'audit.dropped',
  'mfa.required', 'mfa.success', 'mfa.failure', 'mfa.throttled', 'mfa.enrolled', 'mfa.challenge_sent', 'mfa.authenticator_deleted',
  // Changes through the management API (client_id: the management client) or the CLI (client_id: null).
  'user.created', 'user.updated', 'user.password_changed', 'user.deleted',
  'client.created', 'client.updated', 'client.secret_rotated', 'client.deleted',
  'connection.created', 'connection.updated', 'connection.deleted', 'api.created', 'api.updated', 'api.deleted',
  'action.failed', 'action.denied', 'user.metadata_updated',
  // Attack-protection settings changed (reason: the resource and the fields given).
  'attack_protection.updated',
  // An import job ended (reason: its id; outcome failure: it failed as a whole).
  'users.imported',
  // Breached password detection: a password found in the list of leaked ones (Auth0's log type name; reason: the
  // stage and shields applied), and a lookup that could not be made, so the password passed (fail-open).
  'pwd_leak', 'breached_password.unavailable',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An audit event: never a password, secret, code or token. */
export interface AuditEvent {
  id: string;
  /** Unix seconds. */
  time: number;
  type: EventType;
  client_id: string | null;
  connection: string | null;
  username: string | null;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: 'success' | 'failure';
  /** A stable, short reason (an error code or a rule name; the kid for key events). */
  reason: string | null;
}

/** The events table's columns, in the order every store writes them. */
export const AUDIT_EVENT_COLUMNS = [
  'id', 'time', 'type', 'client_id', 'connection', 'username', 'user_id', 'ip', 'user_agent', 'outcome', 'reason',
] as const satisfies readonly (keyof AuditEvent)[];

/** Every field optional; `since` and `until` are unix seconds, both inclusive. */
export interface EventFilter {
  /** The user id or the username. */
  user?: string;
  type?: EventType;
  since?: number;
  until?: number;
}

export interface EventStore {
  addEvent(event: AuditEvent): Promise<void>;
  /** Newest first (ties in insertion order, newest first); `offset` skips that many. */
  listEvents(filter: EventFilter & { limit: number; offset?: number }): Promise<AuditEvent[]>;
  /** Deletes events older than `before`; returns how many went. */
  purgeEvents(before: number): Promise<number>;
}

/** A background job's lifecycle (Auth0's): pending until a node starts it, then processing until it completes or fails. */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses a job can still leave. */
export const UNFINISHED_JOB_STATUSES = ['pending', 'processing'] as const satisfies readonly JobStatus[];

/** What an import job has done so far (Auth0's summary, and Tollgate's passwords_kept). */
export interface JobSummary {
  /** Records in the file. */
  total: number;
  inserted: number;
  updated: number;
  failed: number;
  /** Updated users whose password stayed, because it was no longer an imported hash. */
  passwords_kept: number;
}

/** A record an import could not take: where it is in the file and why (never its password or hash). */
export interface ImportProblem {
  /** 0-based position in the array. */
  index: number;
  /** 1-based line of the file where the record starts. */
  line: number;
  kind: 'invalid' | 'conflict';
  reason: string;
}

/** A management job (the user import), kept in the store so every node can answer for it. Times are unix seconds. */
export interface JobRecord {
  /** `job_` and 16 random characters, as Auth0's. */
  id: string;
  type: 'users_import';
  status: JobStatus;
  /** The connection the users join. */
  connection: string;
  upsert: boolean;
  /** The caller's own reference for the job, if it gave one. */
  external_id: string | null;
  /** The management client that created it. */
  client_id: string | null;
  created_at: number;
  /** The last change or heartbeat of the node running it: a job not heard of for long was interrupted. */
  updated_at: number;
  /** When it completed or failed. */
  completed_at: number | null;
  summary: JobSummary;
  /** Why it failed. */
  status_details: string | null;
}

/** A change to a job that has not finished; errors are written once, when it ends. */
export interface JobUpdate {
  status: JobStatus;
  summary?: JobSummary;
  status_details?: string;
  errors?: ImportProblem[];
}

/**
 * A setting changed through the management API, beside the configuration file's value it replaced: the change holds
 * while the file still has that value (docs/management.md, attack protection settings). Values are JSON.
 */
export interface SettingOverride {
  /** The setting's key path in the configuration, e.g. `brute_force.threshold` under attack_protection. */
  setting: string;
  value: unknown;
  file_value: unknown;
  updated_at: number;
  /** The management client that made the change; null for the CLI. */
  updated_by: string | null;
}

export interface SettingStore {
  listSettingOverrides(): Promise<SettingOverride[]>;
  /** Writes every override in one statement (all or none); a later write of a setting replaces the earlier one. */
  putSettingOverrides(overrides: SettingOverride[]): Promise<void>;
  /**
   * Deletes the setting's override if it still replaces `fileValue` (compared as stored JSON), so a change made
   * meanwhile through the API is never lost; returns whether it went.
   */
  dropSettingOverride(setting: string, fileValue: unknown): Promise<boolean>;
}

export interface JobStore {
  createJob(job: JobRecord): Promise<void>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** The records a job could not import, in file order ([] until it ends); undefined when there is no such job. */
  getJobErrors(id: string): Promise<ImportProblem[] | undefined>;
  /**
   * Conditional write: changes the job (and sets updated_at to `now`, completed_at too when it ends) only while it is
   * pending or processing, so a job another node has declared failed stays failed. False when it was not.
   */
  updateJob(id: string, update: JobUpdate, now: number): Promise<boolean>;
  /** Fails the unfinished jobs last heard of before `heardBefore` with `details`; returns how many. */
  failStaleJobs(heardBefore: number, now: number, details: string): Promise<number>;
  /** Deletes the jobs that ended before `endedBefore` (never an unfinished one); returns how many went. */
  purgeJobs(endedBefore: number): Promise<number>;
}

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
