/** Audit events. */

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
  // A refresh token used again after its rotation (RFC 6819 §5.2.2.3): its family was revoked.
  'refresh_token.reused',
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
  /** The request that caused it (the X-Request-Id its response carries, and its log lines' request_id); null outside a request. */
  request_id: string | null;
}

/** The events table's columns, in the order every store writes them. */
export const AUDIT_EVENT_COLUMNS = [
  'id', 'time', 'type', 'client_id', 'connection', 'username', 'user_id', 'ip', 'user_agent', 'outcome', 'reason', 'request_id',
] as const satisfies readonly (keyof AuditEvent)[];

/** Every field optional; `since` and `until` are unix seconds, both inclusive. */
export interface EventFilter {
  /** The user id or the username. */
  user?: string;
  type?: EventType;
  since?: number;
  until?: number;
}
