/** The demo app's messages for Tollgate's and the API's answers (examples/demo/web/src/messages.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiMessage, loginMessage, otpMessage } from '../../examples/demo/web/src/messages.ts';
import { OAuthFailure } from '../../examples/demo/web/src/tollgate.ts';

const failure = (status: number, error: string, description: string, retryAfter?: number) =>
  new OAuthFailure(status, { error, error_description: description }, retryAfter);

test('login: wrong password, blocked user, blocked account (no Retry-After), throttled IP (Retry-After), rate limit, network', () => {
  assert.equal(loginMessage(failure(400, 'invalid_grant', 'Wrong username or password.')), 'Wrong username or password.');
  assert.equal(loginMessage(failure(400, 'invalid_grant', 'This user is blocked.')), 'This account is blocked. Ask an administrator to unblock it.');
  assert.match(loginMessage(failure(429, 'too_many_attempts', 'blocked')), /^This account is blocked on this network/);
  assert.equal(loginMessage(failure(429, 'too_many_attempts', 'throttled', 90)), 'Too many failed logins from your network. Try again in 90 seconds.');
  assert.equal(loginMessage(failure(429, 'too_many_requests', 'slow down', 600)), 'Too many requests from your network. Try again in 10 minutes.');
  assert.match(loginMessage(new TypeError('Failed to fetch')), /could not be reached/);
});

test('second factor and API', () => {
  assert.match(otpMessage(failure(400, 'invalid_grant', 'Wrong code.')), /wrong or was already used/);
  assert.match(apiMessage(failure(403, 'insufficient_scope', 'This needs the write:items scope.')), /^403 insufficient_scope: .*write:items/);
  assert.match(apiMessage(failure(401, 'invalid_token', 'expired')), /Sign in again/);
});
