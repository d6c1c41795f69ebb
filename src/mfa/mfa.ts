/**
 * Multi-factor authentication inside the password grant, on Auth0's wire protocol (itself the IETF draft "OAuth 2.0
 * Multi-Factor Authorization"): the policy decision after the password, and the state the MFA endpoints and grants
 * share. Without a sealing key (PostgreSQL with no mfa.encryption_keys) MFA is off: nothing can be enrolled.
 */
import type { Logger } from 'pino';
import { InvalidRequestError, MfaRequiredError, ServerError } from '../errors/oauth.ts';
import type { AuditLog, EventInput } from '../events/audit.ts';
import type { AttemptStore } from '../storage/slices/attempts.ts';
import type { AuthenticatorRecord, MfaLoginState, MfaTokenRecord } from '../model/mfa.ts';
import type { ClientRecord } from '../model/client.ts';
import type { ApiStore } from '../storage/slices/apis.ts';
import type { ConnectionStore } from '../storage/slices/connections.ts';
import type { MfaPolicy } from '../model/directory.ts';
import type { MfaStore } from '../storage/slices/mfa.ts';
import type { SingleUseStore } from '../storage/slices/single-use.ts';
import type { UserRecord } from '../model/user.ts';
import type { ActionOutcome } from '../actions/action-calls.ts';
import type { LoginProtocol } from '../actions/types.ts';
import type { Authorization } from '../model/authorization.ts';
import type { MfaConfig } from '../config/schema.ts';
import { MfaTokens, type MfaRequestInfo } from './mfa-tokens.ts';
import { Factors } from './factors.ts';
import type { SecretBox } from './secret-box.ts';
import { codeSenders } from './delivery.ts';
import { effectivePolicy, factorOf, mfaRequired, usableAuthenticators } from './policy.ts';
import type { Detail } from '../errors/details.ts';

export interface MfaDeps {
  store: MfaStore;
  once: SingleUseStore;
  attempts: AttemptStore;
  connections: ConnectionStore;
  apis: ApiStore;
  box: SecretBox | undefined;
  config: MfaConfig;
  audit: AuditLog;
  log: Logger;
  now: () => number;
}

/** A login whose password was right, as the policy sees it. */
export interface PasswordLogin {
  user: UserRecord;
  client: ClientRecord;
  connection: string;
  authorization: Authorization;
  authTime: number;
  amr: readonly string[];
  request: MfaRequestInfo;
  protocol: LoginProtocol;
  /** The scopes the request asked for, as post-login actions see them. */
  requestedScopes: readonly string[];
}

/**
 * Multi-factor authentication as the grants and the MFA API use it: operations, never its parts (the mfa_token's
 * steps in mfa-tokens.ts, the factors in factors.ts, the MFA slice of the store), so callers depend on what they do.
 */
export class Mfa {
  readonly #store: MfaStore;
  readonly #tokens: MfaTokens;
  readonly #factors: Factors | undefined;
  readonly #deps: MfaDeps;

  // The mfa_token's steps.
  readonly liveToken: MfaTokens['live'] = (...args) => this.#tokens.live(...args);
  readonly issueToken: MfaTokens['issue'] = (...args) => this.#tokens.issue(...args);
  readonly refuseThrottled: MfaTokens['refuseThrottled'] = (...args) => this.#tokens.refuseThrottled(...args);
  readonly admitAnswer: MfaTokens['admitAnswer'] = (...args) => this.#tokens.admitAnswer(...args);
  readonly wrongAnswer: MfaTokens['wrongAnswer'] = (...args) => this.#tokens.wrongAnswer(...args);
  readonly abandonAnswer: MfaTokens['abandon'] = (...args) => this.#tokens.abandon(...args);
  readonly consumeToken: MfaTokens['consume'] = (...args) => this.#tokens.consume(...args);
  readonly eventFields: MfaTokens['eventFields'] = (...args) => this.#tokens.eventFields(...args);

  // Factors: each fails with a clear error where no sealing key is configured.
  readonly enrolOtp: Factors['enrolOtp'] = (...args) => this.#enabledFactors().enrolOtp(...args);
  readonly enrolOob: Factors['enrolOob'] = (...args) => this.#enabledFactors().enrolOob(...args);
  readonly enrolRecoveryCode: Factors['enrolRecoveryCode'] = (...args) => this.#enabledFactors().enrolRecoveryCode(...args);
  readonly challengeOob: Factors['challengeOob'] = (...args) => this.#enabledFactors().challengeOob(...args);
  readonly matchOtp: Factors['matchOtp'] = (...args) => this.#enabledFactors().matchOtp(...args);
  readonly recoveryMatches: Factors['recoveryMatches'] = (...args) => this.#enabledFactors().recoveryMatches(...args);
  readonly replaceRecoveryCode: Factors['replaceRecoveryCode'] = (...args) => this.#enabledFactors().replaceRecoveryCode(...args);
  readonly bindingMatches: Factors['bindingMatches'] = (...args) => this.#enabledFactors().bindingMatches(...args);

  // Authenticators and out-of-band challenges at rest.
  readonly listAuthenticators: MfaStore['listAuthenticators'] = (...args) => this.#store.listAuthenticators(...args);
  readonly deleteAuthenticator: MfaStore['deleteAuthenticator'] = (...args) => this.#store.deleteAuthenticator(...args);
  readonly findOobChallenge: MfaStore['findOobChallenge'] = (...args) => this.#store.findOobChallenge(...args);
  readonly pollOobChallenge: MfaStore['pollOobChallenge'] = (...args) => this.#store.pollOobChallenge(...args);
  readonly consumeOobChallenge: MfaStore['consumeOobChallenge'] = (...args) => this.#store.consumeOobChallenge(...args);

  constructor(deps: MfaDeps) {
    this.#deps = deps;
    this.#store = deps.store;
    const { codes, per } = deps.config.send_limit;
    this.#tokens = new MfaTokens({ ...deps, sendLimit: { capacity: codes, refill_per_second: codes / per } });
    this.#factors = deps.box && new Factors({
      store: deps.store, once: deps.once, box: deps.box, senders: codeSenders(deps.config), otpIssuer: deps.config.otp_issuer,
      codeTtl: deps.config.code_ttl, now: deps.now,
      onDeliveryError: (channel, err) => deps.log.error({ err, channel }, 'MFA code not delivered'),
    });
  }

  /** Sends one code within the user's allowance (mfa.send_limit); see MfaTokens.withinSendLimit. */
  withinSendLimit<T>(record: Parameters<MfaTokens['withinSendLimit']>[0], request: MfaRequestInfo, send: () => Promise<T>): Promise<T> {
    return this.#tokens.withinSendLimit(record, request, send);
  }

  /** Records an MFA event. */
  audit(input: EventInput): Promise<void> {
    return this.#deps.audit.emit(input);
  }

  /** The factor operations; a clear error where no sealing key is configured. */
  #enabledFactors(): Factors {
    if (!this.#factors) throw new InvalidRequestError('Multi-factor authentication is not enabled on this server.', 'mfa.disabled');
    return this.#factors;
  }

  async policyFor(connection: string, client: ClientRecord): Promise<MfaPolicy> {
    return effectivePolicy(await this.#deps.connections.getConnection(connection), client);
  }

  /** The user's authenticators of factors the policy allows, confirmed or not. */
  async allowedAuthenticators(userId: string, policy: MfaPolicy): Promise<AuthenticatorRecord[]> {
    return (await this.#store.listAuthenticators(userId)).filter((a) => policy.factors.includes(factorOf(a)));
  }

  /** The policy an mfa_token's login answers to: the connection's, narrowed to the factor an action asked for. */
  async policyForToken(record: MfaTokenRecord, client: ClientRecord): Promise<MfaPolicy> {
    const base = await this.policyFor(record.connection, client);
    const factor = record.login?.factor;
    if (factor === undefined) return base;
    return { policy: 'always', factors: factor === 'any' ? base.factors : base.factors.filter((f) => f === factor || f === 'recovery-code') };
  }

  /** After the password (and before any token): throws mfa_required with a new mfa_token when the policy asks for a factor. */
  async requireIfNeeded(login: PasswordLogin): Promise<void> {
    const policy = await this.policyFor(login.connection, login.client);
    if (policy.policy === 'never') return;
    const usable = usableAuthenticators(await this.#store.listAuthenticators(login.user.id), policy);
    if (!mfaRequired(policy, usable)) return;
    throw await this.#required(login, {}, policy.policy, `mfa.required: policy ${policy.policy}`);
  }

  /**
   * A post-login action asked for a second factor: throws mfa_required, keeping what the actions decided so the
   * login ends with it after the factor, without running them again.
   */
  async requireForAction(login: PasswordLogin, outcome: ActionOutcome): Promise<never> {
    const factor = outcome.mfa ?? 'any';
    const { factors } = await this.policyFor(login.connection, login.client);
    if (factor !== 'any' && !factors.includes(factor)) {
      throw new ServerError(`mfa.factor_not_allowed: ${factor} in connection ${login.connection}`);
    }
    throw await this.#required(login, { factor, actions: { ...outcome, mfa: undefined } }, `action:${factor}`, `mfa.required: a post-login action asks for ${factor}`);
  }

  /** `reason`, for the event: the policy that asked (if_enrolled, always) or `action:<factor>`; `detail`, for the log. */
  async #required(login: PasswordLogin, state: Pick<MfaLoginState, 'factor' | 'actions'>, reason: string, detail: Detail): Promise<MfaRequiredError> {
    if (!this.#factors) throw new ServerError('mfa.disabled');
    const record = {
      user_id: login.user.id, client_id: login.client.client_id, connection: login.connection, scope: login.authorization.scope,
      audience: login.authorization.api?.identifier ?? null, auth_time: login.authTime, amr: [...login.amr],
      login: { protocol: login.protocol, requested_scopes: [...login.requestedScopes], ...state },
    };
    const { token } = await this.#tokens.issue(record);
    return this.#deps.audit.fail(new MfaRequiredError(token, detail), {
      type: 'mfa.required', outcome: 'success', reason, username: login.user.username.toLowerCase(),
      ...this.#tokens.eventFields(record, login.request),
    });
  }

  /** A confirmed enrolment: the authenticator, and the recovery code made with it, become active. */
  async confirm(authenticator: AuthenticatorRecord, record: MfaTokenRecord, request: MfaRequestInfo): Promise<void> {
    if (authenticator.activated_at !== null) return;
    const now = this.#deps.now();
    if (!(await this.#store.activateAuthenticator(authenticator.id, now))) return;
    const pending = (await this.#store.listAuthenticators(authenticator.user_id)).filter((a) => a.type === 'recovery-code' && a.activated_at === null);
    await Promise.all(pending.map((a) => this.#store.activateAuthenticator(a.id, now)));
    await this.#deps.audit.emit({ type: 'mfa.enrolled', outcome: 'success', reason: factorOf(authenticator), ...this.#tokens.eventFields(record, request) });
  }
}
