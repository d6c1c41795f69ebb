/** Verifying Tollgate's tokens the way a client or API would: against the JWKS it publishes. */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyOptions, type ProtectedHeaderParameters } from 'jose';
import type { Tollgate } from '../../src/server.ts';
import { issuerOf } from '../../src/config/load.ts';
import { NOW } from './tollgate.ts';

/** GET {issuer}/.well-known/jwks.json (createRemoteJWKSet cannot go through inject); the issuer's path is the route prefix. */
export async function fetchJwks(tg: Tollgate): Promise<JSONWebKeySet> {
  const prefix = new URL(issuerOf(tg.config)).pathname.replace(/\/+$/, '');
  const res = await tg.app.inject({ method: 'GET', url: `${prefix}/.well-known/jwks.json` });
  if (res.statusCode !== 200) throw new Error(`JWKS answered ${res.statusCode}`);
  return res.json() as JSONWebKeySet;
}

/**
 * Verifies a JWT's signature (and the options given) against the published JWKS,
 * at the fixture's frozen time unless `currentDate` says otherwise.
 */
export async function verifyWithJwks(tg: Tollgate, jwt: string, options: JWTVerifyOptions = {}): Promise<{ payload: JWTPayload; protectedHeader: ProtectedHeaderParameters }> {
  return jwtVerify(jwt, createLocalJWKSet(await fetchJwks(tg)), { currentDate: new Date(NOW * 1000), ...options });
}

/** `aud` as a list, whether the token carries a string or an array (RFC 7519 §4.1.3). */
export function audiences(payload: JWTPayload): string[] {
  return payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
}
