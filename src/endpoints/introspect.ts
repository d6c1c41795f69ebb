/**
 * POST {issuer}/oauth/introspect (RFC 7662) for clients registered with
 * `introspection: true`. Inactive tokens get `{active: false}` and nothing
 * else, whether expired, revoked, unknown or not the caller's to see.
 */
import { InvalidRequestError, UnauthorizedClientError } from '../errors/oauth.ts';
import type { ClientRecord } from '../model/client.ts';
import type { Params } from '../protocol/params.ts';
import { findToken, refreshTokenLive, type LookupDeps } from './token-lookup.ts';
import { tokenType } from '../tokens/confirmation.ts';

export async function introspectEndpoint(client: ClientRecord, params: Params, deps: LookupDeps): Promise<Record<string, unknown>> {
  if (!client.introspection) throw new UnauthorizedClientError('This client may not introspect tokens.');
  const token = params.get('token');
  if (token === undefined) throw new InvalidRequestError('Missing required parameter: token.');
  const found = await findToken(token, params.get('token_type_hint'), deps);
  if (found?.kind === 'access_token') {
    const { scope, client_id, sub, aud, iss, exp, iat, cnf } = found.claims;
    // RFC 8705 §3.2, RFC 9449 §6.2: the binding goes to the resource server, which checks it against the request it received.
    return { active: true, scope, client_id, sub, aud, iss, exp, iat, token_type: tokenType(cnf), ...(cnf ? { cnf } : {}) };
  }
  // The legacy /oauth/ro's opaque token: active, and for the resource server's audience check, good only at /userinfo.
  if (found?.kind === 'legacy_access_token') {
    const r = found.record;
    return {
      active: true, scope: r.scope.join(' '), client_id: r.client_id, sub: r.user_id, aud: deps.issuer.userinfoUrl, iss: deps.issuer.issuer,
      exp: r.expires_at, iat: r.created_at, token_type: 'Bearer',
    };
  }
  // A refresh token is its client's own credential: only that client may introspect it.
  if (found?.kind === 'refresh_token' && found.record.client_id === client.client_id && refreshTokenLive(found, deps.now())) {
    const r = found.record;
    return {
      active: true, scope: r.scope.join(' '), client_id: r.client_id, sub: r.user_id, aud: r.audience ?? undefined, iss: deps.issuer.issuer,
      exp: Math.min(r.family_expires_at, r.idle_expires_at), iat: r.rotated_at ?? r.created_at, token_type: 'refresh_token',
    };
  }
  return { active: false };
}
