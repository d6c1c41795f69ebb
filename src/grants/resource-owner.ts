/**
 * The resource owner password credentials exchange (RFC 6749 §4.3.2), shared
 * by the password grant, Auth0's password-realm grant and the legacy /oauth/ro:
 * they differ in how the connection is chosen, and /oauth/ro in what it grants
 * and answers (its `format`).
 */
import { InvalidGrantError, InvalidRequestError } from '../errors/oauth.ts';
import type { GrantContext } from './grant.ts';
import type { TokenResponse } from '../protocol/token-response.ts';
import { authorize, issueTokens, type IssueRequest, type TokenServices } from '../tokens/token-services.ts';
import type { Authorization } from '../model/authorization.ts';
import { eventFields, type LoginAttempt } from '../protection/login-protection.ts';
import { parseScope } from '../tokens/scope.ts';
import type { LoginProtocol } from '../actions/types.ts';
import { finishPasswordLogin } from './login.ts';
import type { LoginResult } from '../accounts/authenticate.ts';

export const RESOURCE_OWNER_PARAMETERS = ['username', 'password', 'scope', 'audience'] as const;

/** The protocols a password login comes through. */
export type PasswordProtocol = Exclude<LoginProtocol, 'oauth2-refresh-token'>;

/** What a wire format decides around the exchange: what the login may grant (RFC 6749 §3.3), and the answer. */
export interface ExchangeFormat {
  authorize(ctx: GrantContext): Promise<Authorization>;
  issue(services: TokenServices, login: IssueRequest): Promise<TokenResponse>;
}

/** /oauth/token's: `audience` and `scope`, answered per RFC 6749 §5.1. */
export const TOKEN_ENDPOINT_FORMAT: ExchangeFormat = {
  authorize: ({ services, client, params }) => authorize(services, client, params.get('audience'), params.get('scope')),
  issue: issueTokens,
};

/**
 * `protocol` says which wire format asked (transaction.protocol of post-login actions); `chooseConnection` picks the
 * user directory, or throws when the request names no usable one.
 */
export async function resourceOwnerExchange(
  ctx: GrantContext, protocol: PasswordProtocol, chooseConnection: () => Promise<string>, format = TOKEN_ENDPOINT_FORMAT,
): Promise<TokenResponse> {
  const { params, client, services } = ctx;
  const username = params.get('username');
  const password = params.get('password');
  let connection: string;
  let authorization: Authorization;
  try {
    if (username === undefined || password === undefined) {
      throw new InvalidRequestError(`Missing required parameter: ${username === undefined ? 'username' : 'password'}.`);
    }
    connection = await chooseConnection();
    authorization = await format.authorize(ctx);
  } catch (err) {
    // A rejected request costs one verification like every other path, so timing says nothing about the input.
    await services.accounts.spendVerification(password ?? '');
    throw err;
  }

  const user = await services.accounts.find(connection, username);
  const attempt: LoginAttempt = {
    connection,
    // The account's own name, so its username and its email share one counter; unknown logins count as typed.
    username: (user?.username ?? username).toLowerCase(),
    userId: user?.id ?? null,
    ip: ctx.request.ip,
    clientId: client.client_id,
    userAgent: ctx.request.userAgent ?? null,
  };
  const event = eventFields(attempt);
  const admission = await services.protection.admit(attempt);
  let result: LoginResult;
  try {
    result = await services.accounts.verify(user, password);
  } catch (err) {
    // No verdict on the password: what admission reserved goes back (or lapses with its lease if the store is down too).
    await services.protection.abandoned(admission).catch(() => {});
    throw err;
  }
  switch (result.outcome) {
    case 'unknown_user':
    case 'wrong_password':
      await services.protection.failed(attempt, admission);
      // RFC 6749 §5.2: one answer for both, so the response does not reveal which accounts exist.
      throw await services.audit.fail(new InvalidGrantError('Wrong username or password.', result.outcome === 'wrong_password' ? 'login.wrong_password' : 'login.unknown_user'),
        { type: `login.${result.outcome}`, outcome: 'failure', reason: result.outcome, ...event });
    case 'blocked':
      await services.protection.abandoned(admission);
      throw await services.audit.fail(new InvalidGrantError('This user is blocked.', 'login.user_blocked'),
        { type: 'login.user_blocked', outcome: 'failure', reason: 'user_blocked', ...event });
    case 'ok':
      await services.protection.succeeded(admission);
      // Only after the right password, so the check tells a guesser nothing about wrong ones.
      await services.breached.screenLogin(result.user, password, event);
      await services.audit.emit({ type: 'login.success', outcome: 'success', ...event });
      return finishPasswordLogin(services, {
        user: result.user, client, connection, authorization, authTime: services.now(), amr: ['pwd'], request: ctx.request,
        protocol, requestedScopes: parseScope(params.get('scope')), possession: ctx.possession,
      }, format.issue);
  }
}

/** Whether the client may use this connection (its `connections` list, or all when unset). */
export function clientMayUse(client: GrantContext['client'], connection: string): boolean {
  return client.connections === null || client.connections.includes(connection);
}
