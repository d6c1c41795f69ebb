/**
 * The second step of an MFA login, shared by the mfa-otp, mfa-oob and mfa-recovery-code grants: they differ only in
 * the code they check. The mfa_token must come from the same client, live; the user must still be allowed in; the
 * answer is admitted by the MFA limits just before it is checked (so they hold under any concurrency) and checked;
 * then one conditional write consumes the token and the first step's tokens are issued, with `amr` saying a second
 * factor was shown (RFC 8176 §2).
 */
import { InvalidGrantError, InvalidRequestError, ServerError } from '../errors/oauth.ts';
import type { AuthenticatorRecord, MfaTokenRecord } from '../model/mfa.ts';
import type { MfaPolicy } from '../model/directory.ts';
import type { UserRecord } from '../model/user.ts';
import type { AnswerAdmission } from '../mfa/mfa-tokens.ts';
import type { GrantContext } from './grant.ts';
import type { TokenResponse } from '../protocol/token-response.ts';
import { completeLogin, runActions } from './login.ts';

export const MFA_GRANT_PARAMETERS = ['mfa_token'] as const;

export interface MfaSession {
  record: MfaTokenRecord;
  user: UserRecord;
  policy: MfaPolicy;
  /** The user's authenticators of allowed factors, confirmed or not. */
  authenticators: AuthenticatorRecord[];
  /**
   * Called just before the answer is checked, and nowhere earlier (polling checks nothing): reserves what a wrong
   * answer spends, or refuses the answer unchecked. A wrong answer is then thrown with mfa.tokens.wrongAnswer.
   */
  admit(): Promise<AnswerAdmission>;
}

export interface FactorAnswer {
  authenticator: AuthenticatorRecord;
  /** What the factor adds to amr after "mfa". */
  amr: string[];
  /** Runs after the token is consumed: members to add to the response. */
  after?: () => Promise<Partial<TokenResponse>>;
}

export async function mfaExchange(ctx: GrantContext, answer: (session: MfaSession) => Promise<FactorAnswer>): Promise<TokenResponse> {
  const { services, client, request } = ctx;
  const { mfa } = services;
  const token = ctx.params.get('mfa_token');
  if (token === undefined) throw new InvalidRequestError('Missing required parameter: mfa_token.');
  const record = await mfa.liveToken(token, client.client_id);
  const user = await services.users.getUser(record.user_id);
  if (!user || user.blocked) throw new InvalidGrantError('The mfa_token is invalid or expired.', 'token.user_gone');
  const policy = await mfa.policyForToken(record, client);
  let admission: AnswerAdmission | undefined;
  const admit = async () => (admission = await mfa.admitAnswer(record, request));
  let result: FactorAnswer;
  try {
    result = await answer({ record, user, policy, authenticators: await mfa.allowedAuthenticators(user.id, policy), admit });
  } catch (err) {
    // Ended without a verdict (a wrong answer has settled its admission already): the reservations go back.
    if (admission) await mfa.abandonAnswer(admission).catch(() => {});
    throw err;
  }
  if (!admission) throw new ServerError('request.unexpected: an MFA answer was accepted without being admitted');
  await mfa.consumeToken(admission);
  await mfa.confirm(result.authenticator, record, request);
  const extra = await result.after?.();
  await services.audit.emit({ type: 'mfa.success', outcome: 'success', reason: result.amr[0] ?? result.authenticator.type, username: user.username.toLowerCase(), ...mfa.eventFields(record, request) });
  const api = record.audience === null ? undefined : await services.apis.getApi(record.audience);
  if (record.audience !== null && !api) throw new InvalidGrantError('The audience of the first step no longer exists.', 'login.api_removed');
  const login = {
    user, client, connection: record.connection, authorization: { api, scope: record.scope }, authTime: record.auth_time,
    amr: [...record.amr, 'mfa', ...result.amr], request, possession: ctx.possession,
    // Tokens from before the login state was kept came from the password grant.
    protocol: record.login?.protocol ?? 'oauth2-password', requestedScopes: record.login?.requested_scopes ?? record.scope,
  } as const;
  // An action that asked for this factor has run already; otherwise the policy asked, and the actions run now, once.
  const outcome = record.login?.actions ?? await runActions(services, login, services.now());
  const response = await completeLogin(services, login, outcome, { connection: record.connection });
  return { ...response, ...extra };
}
