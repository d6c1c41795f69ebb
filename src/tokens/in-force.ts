/**
 * Whether an access token that Tollgate issued, and that verified, still counts: the one check every endpoint
 * that accepts or describes an access token (RFC 6750 bearers, RFC 7662 introspection, RFC 7009 revocation,
 * the legacy opaque token at /userinfo) makes after the signature or the stored hash.
 */
import type { ClientStore } from '../storage/slices/clients.ts';
import type { DeniableToken } from '../model/tokens.ts';
import type { DenylistStore } from '../storage/slices/denylist.ts';

export interface InForceDeps {
  denylist: DenylistStore;
  clients: ClientStore;
}

export type NotInForce = 'revoked' | 'client deleted';

/**
 * Why the token no longer counts, or undefined when it does. Its client is read first (from memory): a deleted
 * client's tokens end with it rather than at their `exp`, since no index finds them to deny one by one. Then its
 * jti (RFC 7009 §2) and its refresh-token family's sid (§2.1), in one lookup.
 */
export async function notInForce(token: DeniableToken & { client_id: string }, deps: InForceDeps): Promise<NotInForce | undefined> {
  if (!(await deps.clients.getClient(token.client_id))) return 'client deleted';
  if (await deps.denylist.isAccessTokenDenied(token)) return 'revoked';
  return undefined;
}
