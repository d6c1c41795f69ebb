/** Who may call the management API: a client holding a client_credentials access token for its audience (RFC 6750). */
import { InsufficientScopeError, InvalidTokenError } from '../errors/oauth.ts';
import { bearerFromHeader, verifiedAccessToken } from '../endpoints/bearer.ts';
import type { ClientStore } from '../storage/slices/clients.ts';
import type { DenylistStore } from '../storage/slices/denylist.ts';
import type { TokenIssuer } from '../tokens/issuer.ts';
import type { ManagementScope } from '../protocol/management-api.ts';

export interface Caller {
  client_id: string;
  scopes: ReadonlySet<string>;
}

export interface CallerDeps {
  issuer: TokenIssuer;
  denylist: DenylistStore;
  clients: ClientStore;
  /** managementAudience(issuer) */
  audience: string;
}

export async function authenticateCaller(authorization: string | undefined, deps: CallerDeps): Promise<Caller> {
  const claims = await verifiedAccessToken(bearerFromHeader(authorization), deps.audience, deps);
  // A client_credentials token's sub is the client itself (RFC 9068 §2.2). User tokens for this audience are never
  // issued (tokens/token-services.ts authorize), and are refused here as well.
  if (claims.sub !== claims.client_id) throw new InvalidTokenError('The access token is invalid or expired.', 'token.not_client_credentials');
  // A deleted client's token is already refused above (tokens/in-force.ts). The grant is read again on every request
  // (from the cache, within storage_cache_ttl), so withdrawing a scope takes effect without waiting for its tokens to expire.
  const granted = (await deps.clients.getClient(claims.client_id))?.api_grants[deps.audience];
  if (!granted) throw new InvalidTokenError('The access token is invalid or expired.', 'token.grant_removed');
  return { client_id: claims.client_id, scopes: new Set(claims.scope.split(' ').filter((s) => granted.includes(s))) };
}

/** RFC 6750 §3.1: a valid token without the scope the request needs; the challenge names it. */
export function requireScope(caller: Caller, scope: ManagementScope): void {
  if (!caller.scopes.has(scope)) throw new InsufficientScopeError(`This request needs the scope ${scope}.`, undefined, scope);
}

/**
 * A client made or changed through the API may be granted management scopes only the caller holds itself, so
 * create:clients or update:clients is never a way to more control than the caller has.
 */
export function requireGrantable(caller: Caller, apiGrants: Record<string, string[]> | null | undefined, audience: string): void {
  const missing = (apiGrants?.[audience] ?? []).find((scope) => !caller.scopes.has(scope));
  if (missing !== undefined) {
    throw new InsufficientScopeError(`Only management scopes the caller holds can be granted: it lacks ${missing}.`, undefined, missing);
  }
}
