/**
 * grant_type=refresh_token (RFC 6749 §6) with rotation and reuse detection
 * (RFC 9700 §4.14.2, RFC 6819 §5.2.2.3): the old token is consumed in one
 * conditional write, and a consumed token presented again revokes its family.
 */
import { InvalidGrantError, InvalidRequestError, InvalidScopeError } from '../errors/oauth.ts';
import type { RefreshTokenRecord } from '../storage/interfaces.ts';
import type { Grant, GrantContext, TokenResponse } from './grant.ts';
import { tokenHash } from '../tokens/opaque.ts';
import { successorOf } from '../tokens/refresh.ts';
import { parseScope } from '../tokens/scope.ts';
import { completeLogin, runActions } from './login.ts';
import { proves } from '../tokens/confirmation.ts';

const INVALID = 'The refresh token is invalid, expired or revoked.';

/** RFC 6749 §6: the new scope may narrow the original one, never widen it. */
function narrowedScope(ctx: GrantContext, record: RefreshTokenRecord): string[] {
  const requested = ctx.params.get('scope');
  const allowed = ctx.client.scope === null ? undefined : new Set(parseScope(ctx.client.scope));
  const scope = requested === undefined ? record.scope : parseScope(requested);
  const wider = scope.find((s) => !record.scope.includes(s));
  if (wider !== undefined) throw new InvalidScopeError(`The scope "${wider}" was not granted to this refresh token.`);
  // A client whose allowed scopes shrank since the login gets only what it may still have.
  return allowed ? scope.filter((s) => allowed.has(s) || s === 'offline_access') : scope;
}

/** The successor's token, or undefined for a non-rotating client (which keeps using the same token). */
async function rotate(ctx: GrantContext, record: RefreshTokenRecord): Promise<string | undefined> {
  const { services, client } = ctx;
  const store = services.refreshTokens;
  const now = services.now();
  const policy = client.refresh_token;
  if (policy.rotation === 'non-rotating' && record.consumed_at === null) {
    await store.touchRefreshToken(record.id, Math.min(now + policy.idle_ttl, record.family_expires_at));
    return undefined;
  }
  // RFC 6749 §6: a new refresh token has the scope of the one presented; only the access token is narrowed.
  const next = successorOf(record, policy, now);
  if (record.consumed_at === null && (await store.rotateRefreshToken(record.id, now, next.record))) return next.token;

  // Already consumed (here, or by a request that won the race since we read it).
  const consumedAt = record.consumed_at ?? (await store.findRefreshToken(record.id))?.consumed_at ?? now;
  if (policy.leeway > 0 && now - consumedAt <= policy.leeway && (await store.reissueRefreshToken(record.id, now - policy.leeway, next.record))) {
    return next.token;
  }
  if (record.consumed_at === null || consumedAt >= ctx.receivedAt) {
    // Unconsumed when this request read it, or consumed since this request arrived (within its second, or while it
    // waited for the event loop or the store): the loser of a concurrent refresh, not evidence of theft. A replay
    // arrives after the consumption and takes the family (RFC 6819 §5.2.2.3).
    throw new InvalidGrantError(INVALID, 'concurrent refresh lost the race');
  }
  await services.families.revokeFamily(record.family_id);
  services.log.warn({ event: 'refresh_token_reuse', client_id: client.client_id, user_id: record.user_id }, 'refresh token reuse: family revoked');
  throw new InvalidGrantError(INVALID, 'reuse of a consumed refresh token: family revoked');
}

export const refreshTokenGrant: Grant = {
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope'],
  async handle(ctx): Promise<TokenResponse> {
    const { services, client, params } = ctx;
    const presented = params.get('refresh_token');
    if (presented === undefined) throw new InvalidRequestError('Missing required parameter: refresh_token.');
    const record = await services.refreshTokens.findRefreshToken(tokenHash(presented));
    const now = services.now();
    // RFC 6749 §10.4: a refresh token is bound to the client it was issued to.
    if (!record || record.client_id !== client.client_id) throw new InvalidGrantError(INVALID, 'unknown token or another client\'s');
    if (record.revoked_at !== null) throw new InvalidGrantError(INVALID, 'revoked');
    if (now >= record.family_expires_at || now >= record.idle_expires_at) throw new InvalidGrantError(INVALID, 'expired');
    // RFC 8705 §4: a bound token is used only with the certificate it is bound to; the family stays, as its holder still has it.
    if (record.cnf && !proves(ctx.possession, record.cnf)) throw new InvalidGrantError(INVALID, 'bound refresh token without its proof of possession');
    const user = await services.users.getUser(record.user_id);
    if (!user || user.blocked) {
      await services.families.revokeFamily(record.family_id);
      throw new InvalidGrantError(INVALID, user ? 'user blocked' : 'user deleted');
    }
    const scope = narrowedScope(ctx, record);
    const api = record.audience === null ? undefined : await services.directory.getApi(record.audience);
    const login = {
      user, client, connection: record.connection, authorization: { api, scope }, authTime: record.auth_time, amr: record.amr,
      request: ctx.request, possession: ctx.possession, protocol: 'oauth2-refresh-token', requestedScopes: scope,
    } as const;
    // Before rotation, so a denial leaves the token as it was.
    const outcome = await runActions(services, login);
    if (outcome.mfa !== undefined && !record.amr.includes('mfa')) {
      throw new InvalidGrantError('A post-login action requires multi-factor authentication, which a refresh cannot perform: log in again.', 'action asks for mfa');
    }
    return completeLogin(services, login, outcome, { token: await rotate(ctx, record), familyId: record.family_id });
  },
};
