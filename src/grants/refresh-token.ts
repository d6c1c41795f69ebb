/**
 * grant_type=refresh_token (RFC 6749 §6) with rotation and reuse detection
 * (RFC 9700 §4.14.2, RFC 6819 §5.2.2.3): the old token is consumed in one
 * conditional write, and a consumed token presented again (outside the leeway) revokes its family.
 */
import { InvalidGrantError, InvalidRequestError, InvalidScopeError } from '../errors/oauth.ts';
import type { RefreshFamilyRecord, RefreshFamilyState } from '../model/tokens.ts';
import type { RefreshPolicy } from '../model/client.ts';
import type { Grant, GrantContext } from './grant.ts';
import type { TokenResponse } from '../protocol/token-response.ts';
import { findPresented, MAX_LIVE_TOKENS, presentedAs, reissued, rotated, type Presented, type PresentedToken } from '../tokens/refresh.ts';
import { parseScope } from '../tokens/scope.ts';
import { completeLogin, runActions } from './login.ts';
import { proves } from '../tokens/confirmation.ts';

const INVALID = 'The refresh token is invalid, expired or revoked.';

/** RFC 6749 §6: the new scope may narrow the original one, never widen it. */
function narrowedScope(ctx: GrantContext, record: RefreshFamilyRecord): string[] {
  const requested = ctx.params.get('scope');
  const allowed = ctx.client.scope === null ? undefined : new Set(parseScope(ctx.client.scope));
  const scope = requested === undefined ? record.scope : parseScope(requested);
  const wider = scope.find((s) => !record.scope.includes(s));
  if (wider !== undefined) throw new InvalidScopeError(`The scope "${wider}" was not granted to this refresh token.`);
  // A client whose allowed scopes shrank since the login gets only what it may still have.
  return allowed ? scope.filter((s) => allowed.has(s) || s === 'offline_access') : scope;
}

function withinLeeway(family: RefreshFamilyRecord, policy: RefreshPolicy, now: number): boolean {
  return policy.leeway > 0 && family.rotated_at !== null && now - family.rotated_at <= policy.leeway;
}

/**
 * What presenting the token makes of its family: a live token rotates it; the one its last rotation consumed, within
 * the leeway, gets another live token beside its successor. Anything else is refused: a lost race, or reuse that
 * takes the family.
 */
async function successor(ctx: GrantContext, family: RefreshFamilyRecord, presented: Presented, now: number): Promise<{ token: string; state: RefreshFamilyState }> {
  const policy = ctx.client.refresh_token;
  if (presented === 'live') return rotated(family, policy, now);
  if (presented === 'previous') {
    if (withinLeeway(family, policy, now)) {
      if (family.token_hashes.length >= MAX_LIVE_TOKENS) throw new InvalidGrantError(INVALID, `refresh.reissues: more than ${MAX_LIVE_TOKENS}`);
      return reissued(family, policy, now);
    }
    // Consumed since this request arrived (within its second, or while it waited for the event loop or the store):
    // the loser of a concurrent refresh, not evidence of theft. A replay arrives after the rotation.
    if (family.rotated_at !== null && family.rotated_at >= ctx.receivedAt) throw new InvalidGrantError(INVALID, 'refresh.race_lost');
  }
  // RFC 6819 §5.2.2.3: a token the family has moved past was used again; it may have been stolen, so the family goes.
  await ctx.services.families.revokeFamily(family.family_id);
  ctx.services.log.warn({ event: 'refresh_token_reuse', client_id: ctx.client.client_id, user_id: family.user_id }, 'refresh token reuse: family revoked');
  throw await ctx.services.audit.fail(new InvalidGrantError(INVALID, 'refresh.reused'), {
    type: 'refresh_token.reused', outcome: 'failure', reason: 'family_revoked', client_id: ctx.client.client_id, connection: family.connection,
    user_id: family.user_id, ip: ctx.request.ip, user_agent: ctx.request.userAgent ?? null,
  });
}

/** Times a rotation decides again after another request changed the family first; each retry follows that request's write. */
const ATTEMPTS = 3;

/** The successor's token, or undefined for a non-rotating client (which keeps using the same token). */
async function rotate(ctx: GrantContext, found: PresentedToken): Promise<string | undefined> {
  const { services, client } = ctx;
  const store = services.refreshTokens;
  const policy = client.refresh_token;
  let { family, presented } = found;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const now = services.now();
    if (presented === 'live' && policy.rotation === 'non-rotating') {
      await store.touchRefreshFamily(family.selector, Math.min(now + policy.idle_ttl, family.family_expires_at));
      return undefined;
    }
    const next = await successor(ctx, family, presented, now);
    // One conditional write: it fails only if the family changed since it was read, and then this request decides again.
    if (await store.advanceRefreshFamily(family.selector, family.token_hashes, next.state)) return next.token;
    const current = await store.findRefreshFamily(family.selector);
    if (!current || current.revoked_at !== null) throw new InvalidGrantError(INVALID, 'refresh.revoked');
    family = current;
    presented = presentedAs(current, found.hash);
  }
  throw new InvalidGrantError(INVALID, 'refresh.race_lost');
}

export const refreshTokenGrant: Grant = {
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope'],
  async handle(ctx): Promise<TokenResponse> {
    const { services, client, params } = ctx;
    const presented = params.get('refresh_token');
    if (presented === undefined) throw new InvalidRequestError('Missing required parameter: refresh_token.');
    const found = await findPresented(services.refreshTokens, presented);
    const now = services.now();
    // RFC 6749 §10.4: a refresh token is bound to the client it was issued to.
    if (!found || found.family.client_id !== client.client_id) throw new InvalidGrantError(INVALID, 'refresh.unknown');
    const record = found.family;
    if (record.revoked_at !== null) throw new InvalidGrantError(INVALID, 'refresh.revoked');
    if (now >= record.family_expires_at || now >= record.idle_expires_at) throw new InvalidGrantError(INVALID, 'refresh.expired');
    // RFC 8705 §4: a bound token is used only with the certificate it is bound to; the family stays, as its holder still has it.
    if (record.cnf && !proves(ctx.possession, record.cnf)) throw new InvalidGrantError(INVALID, 'refresh.unbound');
    const user = await services.users.getUser(record.user_id);
    if (!user || user.blocked) {
      await services.families.revokeFamily(record.family_id);
      throw new InvalidGrantError(INVALID, user ? 'login.user_blocked' : 'login.user_deleted');
    }
    const scope = narrowedScope(ctx, record);
    const api = record.audience === null ? undefined : await services.apis.getApi(record.audience);
    const login = {
      user, client, connection: record.connection, authorization: { api, scope }, authTime: record.auth_time, amr: record.amr,
      request: ctx.request, possession: ctx.possession, protocol: 'oauth2-refresh-token', requestedScopes: scope,
    } as const;
    // Before rotation, so a denial leaves the token as it was.
    const outcome = await runActions(services, login);
    if (outcome.mfa !== undefined && !record.amr.includes('mfa')) {
      throw new InvalidGrantError('A post-login action requires multi-factor authentication, which a refresh cannot perform: log in again.', 'refresh.action_mfa');
    }
    return completeLogin(services, login, outcome, { token: await rotate(ctx, found), familyId: record.family_id });
  },
};
