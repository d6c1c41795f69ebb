/**
 * Record builders the storage and token tests share: one complete, valid record each, with `overrides` for what a
 * test is about, so a field added to a record is added here once.
 */
import type { ClientRecord } from '../../src/model/client.ts';
import type { NewUser } from '../../src/model/user.ts';
import type { RefreshFamilyRecord } from '../../src/model/tokens.ts';

/** The frozen clock's "now" of these records: 2026-01-01T00:00:00Z. */
export const RECORD_TIME = 1_767_225_600;

/** A login's refresh-token family (selector s1, family f1, user u1 of client web), live, never rotated. */
export function refreshFamily(overrides: Partial<RefreshFamilyRecord> = {}): RefreshFamilyRecord {
  const T = RECORD_TIME;
  return {
    selector: 's1', family_id: 'f1', generation: 0, token_hashes: ['h0'], previous_hashes: [], rotated_at: null, client_id: 'web', user_id: 'u1',
    connection: 'customers', scope: ['openid', 'offline_access'], audience: null, auth_time: T, amr: ['pwd'], created_at: T,
    family_expires_at: T + 1000, idle_expires_at: T + 100, revoked_at: null, cnf: null, device: null, ...overrides,
  };
}

/** A user of connection customers, with no profile beyond the username and email. */
export function newUser(username = 'alice', overrides: Partial<NewUser> = {}): NewUser {
  return {
    connection: 'customers', username, email: `${username}@example.com`, email_verified: false, password_hash: `$sha256$pos=prefix$$${username}`,
    name: null, given_name: null, family_name: null, nickname: null, picture: null, blocked: false,
    app_metadata: {}, user_metadata: {}, ...overrides,
  };
}

/** A confidential client (client_secret_basic) allowed every connection, with no API grant. */
export function clientRecord(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    client_id: 'web', name: null, secret_hash: 'sha256:00', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['password'],
    connections: null, default_connection: null, scope: null, introspection: false, trust_forwarded_for: false, api_grants: {},
    refresh_token: { rotation: 'rotating', leeway: 0, idle_ttl: 100, absolute_ttl: 1000 }, mfa: null, ...overrides,
  };
}
