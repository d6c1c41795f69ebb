/**
 * The resource owner password credentials exchange (RFC 6749 §4.3.2), shared
 * by the password grant and Auth0's password-realm grant: they differ only in
 * how the connection is chosen.
 */
import { InvalidGrantError, InvalidRequestError } from '../errors/oauth.ts';
import type { GrantContext, TokenResponse } from './grant.ts';
import { authorize, issueTokens, type Authorization } from '../tokens/services.ts';

export const RESOURCE_OWNER_PARAMETERS = ['username', 'password', 'scope', 'audience'] as const;

/** `chooseConnection` picks the user directory, or throws when the request names no usable one. */
export async function resourceOwnerExchange(ctx: GrantContext, chooseConnection: () => Promise<string>): Promise<TokenResponse> {
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
    authorization = await authorize(services, client, params.get('audience'), params.get('scope'));
  } catch (err) {
    // A rejected request costs one verification like every other path, so timing says nothing about the input.
    await services.accounts.spendVerification(password ?? '');
    throw err;
  }

  const result = await services.accounts.login(connection, username, password);
  const event = { event: 'login', outcome: result.outcome, client_id: client.client_id, connection, ip: ctx.request.ip };
  services.log.info(event, `login ${result.outcome}`);
  switch (result.outcome) {
    case 'unknown_user':
    case 'wrong_password':
      // RFC 6749 §5.2: one answer for both, so the response does not reveal which accounts exist.
      throw new InvalidGrantError('Wrong username or password.', result.outcome);
    case 'blocked':
      throw new InvalidGrantError('This user is blocked.', 'user blocked');
    case 'ok':
      return issueTokens(services, { user: result.user, client, authorization, authTime: services.now(), amr: ['pwd'], refresh: { connection } });
  }
}

/** Whether the client may use this connection (its `connections` list, or all when unset). */
export function clientMayUse(client: GrantContext['client'], connection: string): boolean {
  return client.connections === null || client.connections.includes(connection);
}
