/**
 * Storage interfaces: small, composed, and async so every backend fits.
 * Stores keep and return hashes; they never verify a credential
 * (ARCHITECTURE.md principle 4).
 */
import type { JWK } from 'jose';
import type { ClientAuthMethod } from '../client-auth/names.ts';
import type { GrantType } from '../grants/names.ts';
import type { SigningAlg } from '../keys/algorithms.ts';

export type Metadata = Record<string, unknown>;

export interface UserRecord {
  /** The stable, opaque `sub`, unique across connections. */
  id: string;
  connection: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  /** PHC string (argon2id). */
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
}

export type NewUser = Omit<UserRecord, 'id' | 'created_at' | 'updated_at'>;

export interface ClientRecord {
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
  /** client_credentials: scopes granted per API identifier. */
  api_grants: Record<string, string[]>;
}

export interface RefreshPolicy {
  rotation: 'rotating' | 'non-rotating';
  leeway: number;
  idle_ttl: number;
  absolute_ttl: number;
}

/** A refresh token at rest: only its SHA-256 is kept (RFC 9700 §4.14, RFC 6819 §5.1.4.1.3). */
export interface RefreshTokenRecord {
  /** SHA-256 of the token. */
  id: string;
  /** Every token rotated from one login shares the family; reuse revokes it whole (RFC 6819 §5.2.2.3). */
  family_id: string;
  /** 0 for the login's token, +1 per rotation. */
  generation: number;
  client_id: string;
  user_id: string;
  connection: string;
  scope: string[];
  audience: string | null;
  auth_time: number;
  amr: string[];
  created_at: number;
  /** Absolute expiry of the family. */
  family_expires_at: number;
  idle_expires_at: number;
  consumed_at: number | null;
  revoked_at: number | null;
}

export interface ConnectionRecord {
  name: string;
  display_name: string | null;
}

export interface ApiRecord {
  identifier: string;
  name: string | null;
  scopes: string[];
  access_token_ttl: number | null;
}

export interface SigningKeyRecord {
  kid: string;
  alg: SigningAlg;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: number;
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

export interface UserStore {
  /** Case-insensitive lookup by username, then by email, within one connection. */
  findUserByLogin(connection: string, login: string): Promise<UserRecord | undefined>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Throws ConflictError when the username or email is taken in that connection. */
  createUser(user: NewUser, now: number): Promise<UserRecord>;
  /** Replaces every field but id and created_at. */
  updateUser(user: UserRecord, now: number): Promise<void>;
  /** Conditional write: replaces the hash only if it is still `expected` (lazy rehash must not undo a password change). */
  replacePasswordHash(id: string, expected: string, replacement: string, now: number): Promise<boolean>;
  listUsers(filter: { connection?: string; limit: number; offset: number }): Promise<UserRecord[]>;
}

/** Records the configuration file owns: synchronised at start, the ones it no longer lists are removed. */
export interface ConfiguredStore {
  syncClients(clients: ClientRecord[]): Promise<void>;
  syncConnections(connections: ConnectionRecord[]): Promise<void>;
  syncApis(apis: ApiRecord[]): Promise<void>;
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
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  addSigningKey(key: SigningKeyRecord): Promise<void>;
}

export interface RefreshTokenStore {
  createRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(id: string): Promise<RefreshTokenRecord | undefined>;
  /** One conditional write: consumes `id` if it is live and unconsumed, and inserts `successor`. False if it was not. */
  rotateRefreshToken(id: string, now: number, successor: RefreshTokenRecord): Promise<boolean>;
  /**
   * Leeway re-issue: inserts `successor` only if `id` was consumed at or after `consumedSince`, its family is not
   * revoked, and no later generation of the family has been consumed yet (the leeway covers only the previous token).
   */
  reissueRefreshToken(id: string, consumedSince: number, successor: RefreshTokenRecord): Promise<boolean>;
  /** Non-rotating use: pushes the idle expiry forward. */
  touchRefreshToken(id: string, idleExpiresAt: number): Promise<void>;
  revokeRefreshFamily(familyId: string, now: number): Promise<void>;
  revokeUserRefreshTokens(userId: string, now: number): Promise<void>;
}

/** Revoked access tokens, by jti, until they expire (RFC 7009 §2). */
export interface DenylistStore {
  denyAccessToken(jti: string, expiresAt: number): Promise<void>;
  isAccessTokenDenied(jti: string): Promise<boolean>;
}

export interface Housekeeping {
  /** Deletes what can never be used again; returns how many records went. */
  purge(now: number): Promise<number>;
}

export interface Store extends UserStore, ClientStore, DirectoryStore, KeyStore, ConfiguredStore, RefreshTokenStore, DenylistStore, Housekeeping {
  close(): Promise<void>;
}
