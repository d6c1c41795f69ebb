/** Upserts the configuration's connections, APIs (and the management API), clients and users into the store at start. */
import type { ClientConfig, Config, UserConfig } from './schema.ts';
import type { ApiRecord, ClientRecord, ConfiguredStore, NewUser, Store } from '../storage/interfaces.ts';
import { ConflictError } from '../storage/interfaces.ts';
import type { PasswordHasher } from '../accounts/passwords.ts';
import type { AuditLog } from '../events/audit.ts';
import { hashClientSecret } from '../client-auth/secrets.ts';
import { passwordChanged } from '../accounts/set-password.ts';
import { managementApi } from '../management/scopes.ts';
import { mfaApi } from '../mfa/api.ts';
import { issuerOf } from './issuer.ts';

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

/** A user of the file (or one the management API creates: the same fields, null allowed where empty) as the store keeps it, but its password. */
type Clearable = 'email' | 'name' | 'given_name' | 'family_name' | 'nickname' | 'picture';
export type UserInput = Omit<UserConfig, 'password' | 'password_hash' | Clearable> & Partial<Record<Clearable, string | null>>;

export function newUserOf(u: UserInput): Omit<NewUser, 'password_hash'> {
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

/** The file's connections, APIs and clients into the store: what it lists is the file's (managed_by config), what it no longer lists goes. */
export async function syncRecords(store: ConfiguredStore, config: Config): Promise<void> {
  await store.syncConnections(config.connections.map((c) => ({ name: c.name, display_name: c.display_name ?? null, mfa: c.mfa })));
  await store.syncApis(apiRecords(config));
  await store.syncClients(clientRecords(config));
}

/** `audit`, when given, records the brute-force blocks a password change ends. */
export async function syncConfig(store: Store, config: Config, hasher: PasswordHasher, now: number, audit?: AuditLog): Promise<void> {
  await syncRecords(store, config);
  for (const [i, u] of config.users.entries()) {
    const found = await store.findUserByLogin(u.connection, u.username);
    const existing = found?.username.toLowerCase() === u.username.toLowerCase() ? found : undefined;
    const user = { ...newUserOf(u), password_hash: await passwordHashFor(u, existing?.password_hash, hasher) };
    try {
      if (existing) {
        await store.updateUser({ ...existing, ...user }, now);
        if (user.password_hash !== existing.password_hash) {
          await passwordChanged({ refreshTokens: store, attempts: store.attempts, audit, revokeRefreshTokens: config.tokens.revoke_refresh_on_password_change, now: () => now }, existing);
        }
        if (user.blocked) await store.revokeUserRefreshTokens(existing.id, now);
      } else {
        await store.createUser(user, now);
      }
    } catch (err) {
      if (err instanceof ConflictError) throw new Error(`users[${i}]: ${err.message}`);
      throw err;
    }
  }
}
