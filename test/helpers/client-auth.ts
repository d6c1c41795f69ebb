/** Assertions shared by the client authentication tests. */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import type { Res } from './tollgate.ts';

/** A token response whose access token was issued to `clientId`. */
export function assertIssuedTo(res: Res, clientId: string): void {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(decodeJwt(res.body.access_token).client_id, clientId);
}

/** RFC 6749 §5.2: invalid_client for credentials that came in the body (or the TLS connection): 400 and no challenge. */
export function assertInvalidClient(res: Res): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, 'invalid_client');
  assert.equal(res.body.error_description, 'Client authentication failed.');
  assert.equal(res.headers['www-authenticate'], undefined);
}

/** invalid_client for a known client that used another method than its registered one: the description names it. */
export function assertWrongMethod(res: Res, registered: string, used: string): void {
  assert.equal(res.status, res.headers['www-authenticate'] === undefined ? 400 : 401, JSON.stringify(res.body));
  assert.equal(res.body.error, 'invalid_client');
  assert.equal(res.body.error_description, `Client authentication failed: the client is registered for ${registered}, not ${used}.`);
}
