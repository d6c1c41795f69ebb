/**
 * The denylist's keys, one namespace for both kinds of entry: an access token's jti as it is (base64url, so never
 * with a colon), and a refresh-token family's sid after "sid:".
 */
import type { DeniableToken } from '../model/tokens.ts';

export function sessionKey(sid: string): string {
  return `sid:${sid}`;
}

/** The keys that deny `token`: its jti, and its family's when it has one. */
export function denylistKeys(token: DeniableToken): string[] {
  return token.sid === undefined ? [token.jti] : [token.jti, sessionKey(token.sid)];
}
