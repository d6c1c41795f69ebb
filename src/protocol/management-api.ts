/**
 * The management API's audience and scopes. It is an API like any other (clients get access tokens for it with
 * client_credentials and api_grants), but Tollgate declares it itself, under the issuer, so no operator has to.
 */
import type { ApiRecord } from '../model/directory.ts';

/** Where the management API is mounted, below the issuer's path. */
export const MANAGEMENT_PREFIX = '/api/v2';

/** Least privilege: one scope per action and resource, named as Auth0 names them. */
export const MANAGEMENT_SCOPES = {
  'read:users': 'List, search and read users and their brute-force blocks',
  'create:users': 'Create users',
  'update:users': 'Change users (profile, password, blocked) and clear their brute-force blocks',
  'delete:users': 'Delete users',
  'read:clients': 'List and read clients (never their secrets)',
  'create:clients': 'Create clients',
  'update:clients': 'Change clients',
  'delete:clients': 'Delete clients',
  'update:client_keys': 'Rotate client secrets',
  'read:connections': 'List and read connections',
  'create:connections': 'Create connections',
  'update:connections': 'Change connections',
  'delete:connections': 'Delete connections',
  'read:resource_servers': 'List and read APIs (resource servers)',
  'create:resource_servers': 'Create APIs',
  'update:resource_servers': 'Change APIs',
  'delete:resource_servers': 'Delete APIs',
  'read:signing_keys': 'List and read signing keys (never their private parts)',
  'create:signing_keys': 'Rotate signing keys',
  'update:signing_keys': 'Revoke signing keys',
  'read:logs': 'Read the audit events',
  'read:attack_protection': 'Read the attack-protection settings (brute force, suspicious IP throttling, breached passwords)',
  'update:attack_protection': 'Change the attack-protection settings',
} as const;

export type ManagementScope = keyof typeof MANAGEMENT_SCOPES;

/** `{issuer}/api/v2/`: the audience of management access tokens, with Auth0's trailing slash. */
export function managementAudience(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}${MANAGEMENT_PREFIX}/`;
}

/** The management API as an API record: synchronised with the configuration's APIs, so it is read-only. */
export function managementApi(issuer: string): ApiRecord {
  return { identifier: managementAudience(issuer), name: 'Tollgate Management API', scopes: Object.keys(MANAGEMENT_SCOPES), access_token_ttl: null };
}
