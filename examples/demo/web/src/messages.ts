/** What the user is told for each answer the app can get (Tollgate's errors: docs/token-endpoint.md, docs/attack-protection.md). */
import { OAuthFailure } from './tollgate.ts';

const seconds = (n: number | undefined) => (n === undefined ? 'later' : n < 120 ? `in ${n} seconds` : `in ${Math.ceil(n / 60)} minutes`);

export function loginMessage(err: unknown): string {
  if (!(err instanceof OAuthFailure)) return 'Tollgate could not be reached. Check your connection and try again.';
  if (err.error === 'invalid_grant' && /blocked/i.test(err.message)) return 'This account is blocked. Ask an administrator to unblock it.';
  if (err.error === 'invalid_grant') return 'Wrong username or password.';
  // Brute-force protection (no Retry-After: an operator or a password change ends it) and IP throttling (with one).
  if (err.error === 'too_many_attempts' && err.retryAfter === undefined) {
    return 'This account is blocked on this network after too many failed attempts. Ask an administrator to unblock it, or reset the password.';
  }
  if (err.error === 'too_many_attempts') return `Too many failed logins from your network. Try again ${seconds(err.retryAfter)}.`;
  if (err.error === 'too_many_requests') return `Too many requests from your network. Try again ${seconds(err.retryAfter)}.`;
  if (err.error === 'password_leaked') return 'This password appeared in a data breach. Change it before you sign in.';
  if (err.error === 'access_denied') return err.message;
  return `Sign-in failed: ${err.message}`;
}

export function otpMessage(err: unknown): string {
  if (err instanceof OAuthFailure && err.error === 'invalid_grant') return 'That code is wrong or was already used. Enter the current code from your app.';
  if (err instanceof OAuthFailure && err.error === 'too_many_attempts') return `Too many wrong codes. Try again ${seconds(err.retryAfter)}.`;
  return loginMessage(err);
}

export function apiMessage(err: unknown): string {
  if (err instanceof OAuthFailure && err.status === 403 && err.error === 'insufficient_scope') {
    return `403 insufficient_scope: your account may read items but not add them (${err.message}).`;
  }
  if (err instanceof OAuthFailure && err.status === 401) return `The API refused the token (${err.error}). Sign in again.`;
  if (err instanceof OAuthFailure) return `The API answered ${err.status}: ${err.message}`;
  return 'The API could not be reached.';
}
