/** Upserts the configuration's connections, APIs (and Tollgate's own), clients and users into the store at start. */
import type { JSONWebKeySet } from 'jose';
import type { ClientConfig, Config, UserConfig } from './schema.ts';
import type { ApiRecord } from '../model/directory.ts';
import type { ClientProofMetadata, ClientRecord } from '../model/client.ts';
import type { NewUser } from '../model/user.ts';
import type { Store } from '../storage/store.ts';
import { ConflictError } from '../storage/errors.ts';
import type { PasswordHasher } from '../accounts/passwords.ts';
import type { AuditLog } from '../events/audit.ts';
import { hashClientSecret } from '../client-auth/secrets.ts';
import { passwordChanged } from '../accounts/set-password.ts';
import { FamilyRevocation } from '../tokens/family-revocation.ts';
import { managementApi } from '../protocol/management-api.ts';
import { mfaApi } from '../protocol/audiences.ts';
import { issuerOf } from './issuer.ts';

/** The metadata a client set, with the assertion algorithm's default for its method; unset keys stay absent. */
function proofMetadata(c: Omit<ClientConfig, 'client_secret' | 'client_secret_hash'>): ClientProofMetadata {
  const defaultAlg = { client_secret_jwt: 'HS256', private_key_jwt: 'RS256' } as const;
  const alg = c.token_endpoint_auth_signing_alg
    ?? (c.token_endpoint_auth_method in defaultAlg ? defaultAlg[c.token_endpoint_auth_method as keyof typeof defaultAlg] : undefined);
  const metadata: ClientProofMetadata = {
    token_endpoint_auth_signing_alg: alg,
    jwks: c.jwks as JSONWebKeySet | undefined,
    jwks_uri: c.jwks_uri,
    tls_client_auth_subject_dn: c.tls_client_auth_subject_dn,
    tls_client_auth_san_dns: c.tls_client_auth_san_dns,
    tls_client_auth_san_uri: c.tls_client_auth_san_uri,
    tls_client_auth_san_ip: c.tls_client_auth_san_ip,
    tls_client_auth_san_email: c.tls_client_auth_san_email,
    tls_client_certificate_bound_access_tokens: c.tls_client_certificate_bound_access_tokens,
    dpop_bound_access_tokens: c.dpop_bound_access_tokens,
  };
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined));
}

/** A client of the file (or one the management API creates: the same fields but the secret) as the store keeps it. */
export function clientRecordOf(c: Omit<ClientConfig, 'client_secret' | 'client_secret_hash'>, secretHash: string | null): ClientRecord {
  return {
    client_id: c.client_id,
    name: c.name ?? null,
    secret_hash: secretHash,
    token_endpoint_auth_method: c.token_endpoint_auth_method,
    grant_types: c.grant_types,
    connections: c.connections ?? null,
    default_connection: c.default_connection ?? null,
    scope: c.scope ?? null,
    refresh_token: c.refresh_token,
    introspection: c.introspection,
    trust_forwarded_for: c.trust_forwarded_for,
    api_grants: c.api_grants,
    mfa: c.mfa ?? null,
    client_metadata: c.client_metadata,
    allowed_origins: c.allowed_origins,
    ...proofMetadata(c),
  };
}

export function clientRecords(config: Config): ClientRecord[] {
  return config.clients.map((c) => clientRecordOf(c, c.client_secret !== undefined ? hashClientSecret(c.client_secret) : (c.client_secret_hash ?? null)));
}

/**
 * The configuration's APIs, and Tollgate's own (the MFA and management APIs): records like the configured ones, so
 * clients ask for their tokens the usual way.
 */
export function apiRecords(config: Config): ApiRecord[] {
  return [
    ...config.apis.map((a) => ({ identifier: a.identifier, name: a.name ?? null, scopes: a.scopes, access_token_ttl: a.access_token_ttl ?? null })),
    mfaApi(issuerOf(config)),
    managementApi(issuerOf(config)),
  ];
}

type Clearable = 'email' | 'name' | 'given_name' | 'family_name' | 'nickname' | 'picture';
/** A user as the file, an import or the management API gives it: null allowed where a field may be empty. */
export type UserInput = Omit<UserConfig, 'password' | 'password_hash' | Clearable> & Partial<Record<Clearable, string | null>>;

/** A user's stored fields but the password hash, from the configuration's (or an import's, or the management API's) user. */
export function profileOf(u: UserInput): Omit<NewUser, 'password_hash'> {
  return {
    connection: u.connection,
    username: u.username,
    email: u.email ?? null,
    email_verified: u.email_verified,
    name: u.name ?? null,
    given_name: u.given_name ?? null,
    family_name: u.family_name ?? null,
    nickname: u.nickname ?? null,
    picture: u.picture ?? null,
    blocked: u.blocked,
    app_metadata: u.app_metadata,
    user_metadata: u.user_metadata,
  };
}

/** A configured plain password is re-hashed only when the stored hash no longer matches it. */
async function passwordHashFor(u: UserConfig, stored: string | undefined, hasher: PasswordHasher): Promise<string> {
  if (u.password_hash !== undefined) return u.password_hash;
  const password = u.password ?? '';
  if (stored !== undefined && (await hasher.verify(stored, password))) return stored;
  return hasher.hash(password);
}

interface UserSync {
  config: Config;
  hasher: PasswordHasher;
  families: FamilyRevocation;
  audit: AuditLog | undefined;
  now: number;
}

/** The stored user a configured one is (by username: a match by email is another user). */
async function storedUser(store: Store, u: UserConfig) {
  const found = await store.users.findUserByLogin(u.connection, u.username);
  return found?.username.toLowerCase() === u.username.toLowerCase() ? found : undefined;
}

/** Creates or updates one configured user; false when another node created it between our read and our insert. */
async function syncUser(store: Store, u: UserConfig, { config, hasher, families, audit, now }: UserSync): Promise<boolean> {
  const existing = await storedUser(store, u);
  const user = { ...profileOf(u), password_hash: await passwordHashFor(u, existing?.password_hash, hasher) };
  if (!existing) {
    try {
      await store.users.createUser(user, now);
      return true;
    } catch (err) {
      if (err instanceof ConflictError && (await storedUser(store, u))) return false;
      throw err;
    }
  }
  // A configured password that changed is a new password: what breached password detection found no longer holds.
  const leakedAt = user.password_hash === existing.password_hash ? existing.password_leaked_at : null;
  await store.users.updateUser({ ...existing, ...user, password_leaked_at: leakedAt }, now);
  if (user.password_hash !== existing.password_hash) {
    await passwordChanged({ families, attempts: store.attempts, audit, revokeRefreshTokens: config.tokens.revoke_refresh_on_password_change }, existing);
  }
  if (user.blocked) await families.revokeUser(existing.id);
  return true;
}

/** The file's connections, APIs and clients into the store: what it lists is the file's (managed_by config), what it no longer lists goes. */
export async function syncRecords(store: Pick<Store, 'configured'>, config: Config): Promise<void> {
  await store.configured.syncConnections(config.connections.map((c) => ({ name: c.name, display_name: c.display_name ?? null, mfa: c.mfa, public: c.public })));
  await store.configured.syncApis(apiRecords(config));
  await store.configured.syncClients(clientRecords(config));
}

/** `audit`, when given, records the brute-force blocks a password change ends. */
export async function syncConfig(store: Store, config: Config, hasher: PasswordHasher, now: number, audit?: AuditLog): Promise<void> {
  await syncRecords(store, config);
  const families = new FamilyRevocation({ store, accessTokenTtl: config.tokens.access_token_ttl, now: () => now });
  for (const [i, u] of config.users.entries()) {
    // Nodes starting together on one database all find a new user missing: the losers of the race update it instead.
    const sync = () => syncUser(store, u, { config, hasher, families, audit, now });
    try {
      if (!(await sync())) await sync();
    } catch (err) {
      if (err instanceof ConflictError) throw new Error(`users[${i}]: ${err.message}`);
      throw err;
    }
  }
}
