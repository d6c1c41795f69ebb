/**
 * The end every login shares, whatever grant began it: the MFA policy, then the post-login actions (once per
 * login: after the password, or after the second factor when one is required), then the tokens, carrying the
 * actions' claims, with the metadata they set stored first.
 */
import type { Confirmation } from '../model/tokens.ts';
import type { PasswordLogin } from '../mfa/mfa.ts';
import type { ActionOutcome } from '../actions/action-calls.ts';
import { emptyOutcome } from '../actions/action-calls.ts';
import { issueTokens, type IssueRequest, type TokenServices } from '../tokens/token-services.ts';
import type { TokenResponse } from '../protocol/token-response.ts';

export type Login = PasswordLogin & { possession: Confirmation };

/** Turns the login into the answer: /oauth/token's RFC 6749 §5.1 response, or a legacy wire format's. */
type Issue = (services: TokenServices, req: IssueRequest) => Promise<TokenResponse>;

/**
 * Runs the actions for this login; free when none applies to its client and connection. The password was shown at
 * the login's auth_time, any later method (a second factor) at `secondFactorAt`.
 */
export async function runActions(services: TokenServices, login: PasswordLogin, secondFactorAt = login.authTime): Promise<ActionOutcome> {
  if (!services.actions.appliesTo(login.client, login.connection)) return emptyOutcome();
  const methods = login.amr.map((name) => ({ name, timestamp: name === 'pwd' ? login.authTime : secondFactorAt }));
  return services.actions.run({
    user: login.user, client: login.client, connection: login.connection, protocol: login.protocol, request: login.request,
    requestedScopes: login.requestedScopes, grantedScopes: login.authorization.scope, audience: login.authorization.api?.identifier ?? null, methods,
  });
}

/** After a right password: mfa_required when the policy or an action asks for a factor, tokens otherwise. */
export async function finishPasswordLogin(services: TokenServices, login: Login, issue: Issue = issueTokens): Promise<TokenResponse> {
  await services.mfa.requireIfNeeded(login);
  const outcome = await runActions(services, login);
  if (outcome.mfa !== undefined) await services.mfa.requireForAction(login, outcome);
  return completeLogin(services, login, outcome, { connection: login.connection }, issue);
}

/** Stores the metadata the actions set, then issues the tokens with their claims. */
export async function completeLogin(
  services: TokenServices, login: Login, outcome: ActionOutcome, refresh: IssueRequest['refresh'], issue: Issue = issueTokens,
): Promise<TokenResponse> {
  const { appMetadata, userMetadata } = outcome;
  if (Object.keys(appMetadata).length + Object.keys(userMetadata).length > 0) {
    await services.users.patchMetadata(login.user.id, { app_metadata: appMetadata, user_metadata: userMetadata }, services.now());
    await services.audit.emit({
      type: 'user.metadata_updated', outcome: 'success', reason: 'post-login action', user_id: login.user.id, client_id: login.client.client_id,
      connection: login.connection, username: login.user.username.toLowerCase(), ip: login.request.ip, user_agent: login.request.userAgent ?? null,
    });
  }
  const removed = new Set(outcome.removedScopes ?? []);
  const authorization = removed.size === 0 ? login.authorization : { ...login.authorization, scope: login.authorization.scope.filter((s) => !removed.has(s)) };
  return issue(services, {
    user: login.user, client: login.client, authorization, authTime: login.authTime, amr: login.amr,
    refresh, possession: login.possession, claims: { access: outcome.accessClaims, id: outcome.idClaims },
  });
}
