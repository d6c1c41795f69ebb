/** The shape every grant shares (one file per grant, registered in registry.ts), after node-oidc-provider. */
import type { ClientRecord } from '../model/client.ts';
import type { Confirmation } from '../model/tokens.ts';
import type { Params } from '../protocol/params.ts';
import type { GrantType } from '../protocol/grant-types.ts';
import type { TokenServices } from '../tokens/token-services.ts';
import type { TokenResponse } from '../protocol/token-response.ts';

export interface RequestInfo {
  /** The client IP: the socket address, or what trusted proxies say it is; the end user's once the token endpoint has checked tollgate-forwarded-for. */
  ip: string;
  userAgent: string | undefined;
  /** The raw tollgate-forwarded-for (or auth0-forwarded-for) header, not yet trusted. */
  forwardedFor?: string | undefined;
}

/**
 * Which wire format a login came through, by Auth0's names for it (`transaction.protocol` of post-login actions):
 * /oauth/token's password and password-realm grants, the legacy /oauth/ro (docs/legacy-resource-owner.md), and the
 * refresh_token grant that continues a login.
 */
export type { LoginProtocol } from '../actions/types.ts';

export interface GrantContext {
  /** Only the parameters the grant declared (ARCHITECTURE.md principle 2). */
  params: Params;
  client: ClientRecord;
  request: RequestInfo;
  services: TokenServices;
  /** What the request proved possession of (a TLS client certificate, a DPoP key), for binding tokens to it. */
  possession: Confirmation;
  /** Unix seconds when the token endpoint took the request, before client authentication and the store. */
  receivedAt: number;
}


/**
 * A grant's context with only the services it uses (as fosite's handlers declare their narrow interfaces): the
 * grant says what it depends on, and a unit test gives it fakes of just that.
 */
export type GrantContextWith<Services> = Omit<GrantContext, 'services'> & { services: Services };

export interface Grant {
  grantType: GrantType;
  /** Parameters the grant reads; everything else is dropped before it runs. */
  parameters: readonly string[];
  handle(ctx: GrantContext): Promise<TokenResponse>;
}
