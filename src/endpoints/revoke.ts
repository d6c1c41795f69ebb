/**
 * POST {issuer}/oauth/revoke (RFC 7009). A refresh token takes its whole family with it, and the access tokens
 * issued from that family; an access token's jti is denied until it expires; an opaque access token of the legacy
 * /oauth/ro is forgotten.
 */
import { InvalidRequestError, UnauthorizedClientError } from '../errors/oauth.ts';
import type { ClientRecord } from '../model/client.ts';
import type { Params } from '../protocol/params.ts';
import { findToken, type LookupDeps } from './token-lookup.ts';
import type { FamilyRevocation } from '../tokens/family-revocation.ts';

export interface RevokeDeps extends LookupDeps {
  families: FamilyRevocation;
}

export async function revokeEndpoint(client: ClientRecord, params: Params, deps: RevokeDeps): Promise<void> {
  const token = params.get('token');
  if (token === undefined) throw new InvalidRequestError('Missing required parameter: token.');
  const found = await findToken(token, params.get('token_type_hint'), deps);
  // RFC 7009 §2.2: an invalid or unknown token is not an error; the client has nothing left to clean up.
  if (!found) return;
  const owner = found.kind === 'access_token' ? found.claims.client_id : found.record.client_id;
  // RFC 7009 §2.1: only the client the token was issued to may revoke it.
  if (owner !== client.client_id) throw new UnauthorizedClientError('The token was not issued to this client.');
  // RFC 7009 §2.1: a refresh token's family goes, with every access token issued with or from it; a token the family
  // has moved past still names it, and takes it as its reuse at the token endpoint would.
  if (found.kind === 'refresh_token') await deps.families.revokeFamily(found.record.family_id);
  else if (found.kind === 'legacy_access_token') await deps.legacyTokens.deleteLegacyToken(found.record.id);
  else await deps.denylist.denyAccessToken(found.claims.jti, found.claims.exp);
}
