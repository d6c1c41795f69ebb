/** What grants need to turn an authenticated user into tokens; built once per server and passed explicitly. */
import type { Logger } from 'pino';
import type { Accounts } from '../accounts/authenticate.ts';
import type { ClientRecord } from '../model/client.ts';
import type { Confirmation } from '../model/tokens.ts';
import type { ApiStore } from '../storage/slices/apis.ts';
import type { ConnectionStore } from '../storage/slices/connections.ts';
import type { UserRecord } from '../model/user.ts';
import type { LegacyTokenStore } from '../storage/slices/legacy-tokens.ts';
import type { RefreshTokenStore } from '../storage/slices/refresh-families.ts';
import type { UserStore } from '../storage/slices/users.ts';
import { AccessDeniedError, InvalidRequestError } from '../errors/oauth.ts';
import type { TokenIssuer } from './issuer.ts';
import type { LoginProtection } from '../protection/login-protection.ts';
import type { AuditLog } from '../events/audit.ts';
import type { BreachedPasswords } from '../breached/detection.ts';
import type { Mfa } from '../mfa/mfa.ts';
import type { ActionPipeline } from '../actions/pipeline.ts';
import type { JsonValue } from '../actions/types.ts';
import type { TokenResponse } from '../protocol/token-response.ts';
import type { Authorization } from '../model/authorization.ts';
import { grantScope } from './scope.ts';
import { sessionIdOf, startFamily, wantsRefreshToken } from './refresh.ts';
import type { FamilyRevocation } from './family-revocation.ts';
import { accessTokenBinding, refreshTokenBinding, tokenType } from './confirmation.ts';

export interface TokenPolicy {
  accessTokenTtl: number;
  defaultConnection: string;
  defaultAudience: string | undefined;
  /** The management API's audience: client credentials only, never a user's token. */
  managementAudience: string;
}

export interface TokenServices {
  accounts: Accounts;
  connections: ConnectionStore;
  apis: ApiStore;
  users: UserStore;
  refreshTokens: RefreshTokenStore;
  /** The legacy /oauth/ro's opaque access tokens, good only at /userinfo. */
  legacyTokens: LegacyTokenStore;
  /** Revoking a family revokes its access tokens too (RFC 7009 §2.1). */
  families: FamilyRevocation;
  issuer: TokenIssuer;
  policy: TokenPolicy;
  protection: LoginProtection;
  /** Breached password detection, after the right password. */
  breached: BreachedPasswords;
  audit: AuditLog;
  mfa: Mfa;
  actions: ActionPipeline;
  log: Logger;
  now: () => number;
}


/** Resolves `audience` to an API and computes the granted scope (RFC 6749 §3.3). */
export async function authorize(services: TokenServices, client: ClientRecord, audience: string | undefined, scope: string | undefined): Promise<Authorization> {
  const identifier = audience ?? services.policy.defaultAudience;
  const api = identifier === undefined ? undefined : await services.apis.getApi(identifier);
  if (identifier !== undefined && !api) throw new InvalidRequestError(`The audience "${identifier}" is not a known API.`);
  // A management token acts for the client holding it; one carrying a user would let any user act as an operator.
  if (identifier === services.policy.managementAudience) throw new AccessDeniedError('The management API accepts client credentials only.');
  const apis = await services.apis.listApis();
  const granted = grantScope(scope, {
    apiScopes: api?.scopes ?? [],
    knownScopes: new Set(apis.flatMap((a) => a.scopes)),
    clientScope: client.scope,
    offlineAccess: client.grant_types.includes('refresh_token'),
  });
  return { api, scope: granted };
}

export interface IssueRequest {
  user: UserRecord;
  client: ClientRecord;
  authorization: Authorization;
  authTime: number;
  amr: readonly string[];
  /** Where the refresh token comes from: a new family at login, or the refresh grant's own rotation of `familyId`. */
  refresh?: { connection: string } | { token: string | undefined; familyId: string };
  /** What the request proved possession of: the tokens are bound to it as the client registered. */
  possession: Confirmation;
  /** Custom claims from post-login actions, already checked against the naming rules. */
  claims?: { access: Record<string, JsonValue>; id: Record<string, JsonValue> };
}

/** Builds the RFC 6749 §5.1 response: an access token, and an ID token when openid is granted. */
export async function issueTokens(services: TokenServices, req: IssueRequest): Promise<TokenResponse> {
  const { api, scope } = req.authorization;
  const ttl = api?.access_token_ttl ?? services.policy.accessTokenTtl;
  const cnf = accessTokenBinding(req.client, req.possession);
  const family = await refreshTokenFor(services, req);
  const response: TokenResponse = {
    access_token: await services.issuer.accessToken({
      sub: req.user.id, clientId: req.client.client_id, scope, audience: api?.identifier, ttl, cnf, claims: req.claims?.access,
      // A login that starts a family, and every refresh of one, gives the access token the family's sid (RFC 7009 §2.1).
      sid: family && sessionIdOf(family.familyId),
    }),
    token_type: tokenType(cnf),
    expires_in: ttl,
    scope: scope.join(' '),
  };
  if (family?.token !== undefined) response.refresh_token = family.token;
  const idToken = await idTokenFor(services, req);
  if (idToken !== undefined) response.id_token = idToken;
  return response;
}

/**
 * The response's refresh token and the family it belongs to: at login a new family, when the client may refresh and
 * offline_access was granted (`device` names what it was issued to, the legacy /oauth/ro's parameter); the refresh
 * grant's own rotation otherwise (no token for a non-rotating client, which keeps its own). Undefined: no family.
 */
export async function refreshTokenFor(
  services: TokenServices, req: IssueRequest, device: string | null = null,
): Promise<{ token: string | undefined; familyId: string } | undefined> {
  if (!req.refresh || !('connection' in req.refresh)) return req.refresh;
  const { api, scope } = req.authorization;
  if (!wantsRefreshToken(req.client, scope)) return undefined;
  return startFamily(services.refreshTokens, {
    client: req.client, userId: req.user.id, connection: req.refresh.connection, scope, audience: api?.identifier ?? null,
    authTime: req.authTime, amr: req.amr, cnf: refreshTokenBinding(req.client, req.possession), device,
  }, services.now());
}

/**
 * The login's ID token (OIDC Core §2) when openid was granted. `extra` (the legacy attribute claims) and the
 * actions' custom claims, which win over `extra`, go beside the standard ones, never over them.
 */
export async function idTokenFor(services: TokenServices, req: IssueRequest, extra?: Readonly<Record<string, unknown>>): Promise<string | undefined> {
  if (!req.authorization.scope.includes('openid')) return undefined;
  const claims = extra || req.claims ? { ...extra, ...req.claims?.id } : undefined;
  return services.issuer.idToken({
    user: req.user,
    clientId: req.client.client_id,
    scope: req.authorization.scope,
    authTime: req.authTime,
    amr: req.amr,
    // As with Auth0, ID tokens for public clients are always RS256, which every client library verifies.
    alg: req.client.token_endpoint_auth_method === 'none' ? 'RS256' : services.issuer.defaultAlg,
    ...(claims ? { claims } : {}),
  });
}
