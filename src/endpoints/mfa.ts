/**
 * Auth0's MFA API: {issuer}/mfa/authenticators, /mfa/associate, /mfa/challenge. Callers hold either the mfa_token of
 * an `mfa_required` answer or an access token for the audience {issuer}/mfa/ with the scope the operation needs.
 */
import type { X509Certificate } from 'node:crypto';
import { AccessDeniedError, AssociationRequiredError, InvalidGrantError, InvalidRequestError, InvalidTokenError, NotFoundError, UnsupportedChallengeTypeError } from '../errors/oauth.ts';
import { authenticateClient } from '../client-auth/registry.ts';
import type { ClientAuthDeps } from '../client-auth/method.ts';
import type { AuthenticatorRecord, MfaTokenRecord, OobChannel } from '../model/mfa.ts';
import type { ClientRecord } from '../model/client.ts';
import type { ClientStore } from '../storage/slices/clients.ts';
import type { DenylistStore } from '../storage/slices/denylist.ts';
import type { UserRecord } from '../model/user.ts';
import type { UserStore } from '../storage/slices/users.ts';
import type { AccessTokenClaims, TokenIssuer } from '../tokens/issuer.ts';
import type { Params } from '../protocol/params.ts';
import type { Mfa } from '../mfa/mfa.ts';
import type { MfaRequestInfo } from '../mfa/mfa-tokens.ts';
import { factorOf, isEnrolled, usableAuthenticators } from '../mfa/policy.ts';
import { maskAddress } from '../mfa/codes.ts';
import { bearerFromHeader, requireScope, verifiedAccessToken } from './bearer.ts';

export interface MfaEndpointDeps {
  mfa: Mfa;
  users: UserStore;
  clients: ClientStore;
  clientAuth: ClientAuthDeps;
  issuer: TokenIssuer;
  denylist: DenylistStore;
  /** {issuer}/mfa/ */
  audience: string;
}

export interface MfaRequest {
  authorization: string | undefined;
  params: Params;
  request: MfaRequestInfo;
  /** The TLS client certificate, for clients that authenticate with one (RFC 8705 §2). */
  certificate?: X509Certificate | undefined;
}

/** Who calls with a bearer token: the mfa_token of a login in progress, or an access token for the MFA API. */
type Caller =
  | { kind: 'mfa_token'; record: MfaTokenRecord; userId: string; clientId: string }
  | { kind: 'access_token'; claims: AccessTokenClaims; userId: string; clientId: string };

/** An access token is a JWS (three dot-separated parts); an mfa_token is opaque base64url. */
async function callerOf(authorization: string | undefined, deps: MfaEndpointDeps, scopes: readonly string[]): Promise<Caller> {
  const token = bearerFromHeader(authorization);
  if (token.split('.').length === 3) {
    const claims = await verifiedAccessToken(token, deps.audience, deps);
    requireScope(claims, scopes);
    return { kind: 'access_token', claims, userId: claims.sub, clientId: claims.client_id };
  }
  try {
    const record = await deps.mfa.liveToken(token);
    return { kind: 'mfa_token', record, userId: record.user_id, clientId: record.client_id };
  } catch (err) {
    if (err instanceof InvalidGrantError) throw new InvalidTokenError('The mfa_token is invalid or expired.', err.detail);
    throw err;
  }
}

async function userOf(caller: Caller, deps: MfaEndpointDeps): Promise<UserRecord> {
  const user = await deps.users.getUser(caller.userId);
  if (!user || user.blocked) throw new InvalidTokenError('The token is invalid or expired.', 'token.user_gone');
  return user;
}

/** Auth0's authenticator shape; the address masked. Also the management API's (users/{id}/authenticators). */
export function describeAuthenticator(a: AuthenticatorRecord): Record<string, unknown> {
  return {
    id: a.id, authenticator_type: a.type, ...(a.oob_channel ? { oob_channel: a.oob_channel } : {}),
    ...(a.address && a.oob_channel ? { name: maskAddress(a.address, a.oob_channel) } : {}), active: a.activated_at !== null,
  };
}

/** GET /mfa/authenticators */
export async function listAuthenticators(req: Pick<MfaRequest, 'authorization'>, deps: MfaEndpointDeps): Promise<Record<string, unknown>[]> {
  const caller = await callerOf(req.authorization, deps, ['read:authenticators', 'enroll']);
  const user = await userOf(caller, deps);
  const client = await deps.clients.getClient(caller.clientId);
  if (!client) throw new InvalidTokenError('The token is invalid or expired.', 'token.client_gone');
  return (await deps.mfa.allowedAuthenticators(user.id, await deps.mfa.policyFor(user.connection, client))).map(describeAuthenticator);
}

/** DELETE /mfa/authenticators/{id} */
export async function deleteAuthenticator(req: Pick<MfaRequest, 'authorization' | 'request'> & { id: string }, deps: MfaEndpointDeps): Promise<void> {
  const caller = await callerOf(req.authorization, deps, ['remove:authenticators', 'enroll']);
  if (caller.kind !== 'access_token') throw new InvalidTokenError('Removing an authenticator needs an access token for the MFA API.', 'token.mfa_token');
  if (!(await deps.mfa.deleteAuthenticator(caller.userId, req.id))) throw new NotFoundError('The user has no such authenticator.');
  await deps.mfa.audit({ type: 'mfa.authenticator_deleted', outcome: 'success', reason: req.id.split('|')[0] ?? null, user_id: caller.userId, client_id: caller.clientId, ip: req.request.ip, user_agent: req.request.userAgent ?? null });
}

/** The client named in the body (its secret there too: the header holds the bearer token) must be the token's. */
async function clientOf(req: MfaRequest, caller: Caller, deps: MfaEndpointDeps): Promise<ClientRecord> {
  const { client } = await authenticateClient(req, deps.clients, deps.clientAuth, true);
  if (client.client_id !== caller.clientId) throw new InvalidTokenError('The token was issued to another client.', 'token.client_mismatch');
  return client;
}

function oneOf<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T {
  const values = value?.split(' ') ?? [];
  if (values.length !== 1 || !allowed.includes(values[0] as T)) {
    throw new InvalidRequestError(`${name} must be exactly one of ${allowed.map((a) => `'${a}'`).join(', ')}.`);
  }
  return values[0] as T;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function oobAddress(channel: OobChannel, params: Params, user: UserRecord): string {
  if (channel === 'sms') {
    const phone = params.get('phone_number');
    if (phone === undefined || !E164.test(phone)) throw new InvalidRequestError('phone_number must be an E.164 number such as +14155550100.');
    return phone;
  }
  const email = params.get('email') ?? user.email ?? undefined;
  if (email === undefined || !EMAIL.test(email)) throw new InvalidRequestError('email must be an email address.');
  return email;
}

/** POST /mfa/associate: enrols an authenticator, unconfirmed until its first code passes at the token endpoint. */
export async function associate(req: MfaRequest, deps: MfaEndpointDeps): Promise<Record<string, unknown>> {
  const caller = await callerOf(req.authorization, deps, ['enroll']);
  const client = await clientOf(req, caller, deps);
  const user = await userOf(caller, deps);
  const { mfa } = deps;
  const policy = caller.kind === 'mfa_token' ? await mfa.policyForToken(caller.record, client) : await mfa.policyFor(user.connection, client);
  const authenticators = await mfa.allowedAuthenticators(user.id, policy);
  // With only an mfa_token, the caller has shown a password, not a factor: it may enrol the first one, never add another.
  if (caller.kind === 'mfa_token' && isEnrolled(usableAuthenticators(authenticators, policy))) {
    throw new AccessDeniedError('User is already enrolled.');
  }
  const type = oneOf(req.params.get('authenticator_types'), 'authenticator_types', ['otp', 'oob'] as const);
  const channel = type === 'oob' ? oneOf(req.params.get('oob_channels'), 'oob_channels', ['email', 'sms'] as const) : null;
  const factor = channel ?? 'otp';
  if (!policy.factors.includes(factor)) throw new InvalidRequestError(`The ${factor} factor is not enabled for this user.`);

  // An access-token enrolment gets its own mfa_token, which the token endpoint's mfa grants confirm it with.
  const { record, token: mfaToken } = caller.kind === 'mfa_token' ? { record: caller.record, token: undefined } : await mfa.issueToken({
    user_id: user.id, client_id: client.client_id, connection: user.connection, scope: caller.claims.scope.split(' '),
    audience: deps.audience, auth_time: caller.claims.iat, amr: [], login: null,
  });
  // The address is checked before a code is taken from the allowance: a refused call spends none.
  const oob = channel === null ? null : { channel, address: oobAddress(channel, req.params, user) };
  const enrolment = oob === null
    ? await mfa.enrolOtp(user)
    : await mfa.withinSendLimit(record, req.request, () => mfa.enrolOob(user, oob.channel, oob.address, record.id));
  const firstRecoveryCode = policy.factors.includes('recovery-code') && !authenticators.some((a) => factorOf(a) === 'recovery-code');
  return {
    ...enrolment,
    ...(firstRecoveryCode ? { recovery_codes: [await mfa.enrolRecoveryCode(user)] } : {}),
    ...(mfaToken ? { mfa_token: mfaToken } : {}),
  };
}

const CHALLENGE_TYPES = ['otp', 'oob'] as const;

/** POST /mfa/challenge: picks the authenticator to answer with and, for email or SMS, sends the code. */
export async function challenge(req: MfaRequest, deps: MfaEndpointDeps): Promise<Record<string, unknown>> {
  // Auth0's SDKs send the client's credentials in the body here, whatever its token endpoint method.
  const { client } = await authenticateClient(req, deps.clients, deps.clientAuth, !/^Basic /i.test(req.authorization ?? ''));
  const token = req.params.get('mfa_token');
  if (token === undefined) throw new InvalidRequestError('Missing required parameter: mfa_token.');
  const { mfa } = deps;
  const record = await mfa.liveToken(token, client.client_id);
  const types = (req.params.get('challenge_type') ?? '').split(' ').filter(Boolean);
  if (types.length === 0) throw new InvalidRequestError('Missing required parameter: challenge_type.');
  if (types.some((t) => !(CHALLENGE_TYPES as readonly string[]).includes(t))) throw new UnsupportedChallengeTypeError('challenge_type must be otp, oob or "otp oob".');
  await mfa.refuseThrottled(record, req.request);
  const policy = await mfa.policyForToken(record, client);
  const usable = usableAuthenticators(await mfa.listAuthenticators(record.user_id), policy);
  if (!isEnrolled(usable)) throw new AssociationRequiredError();
  const wanted = req.params.get('authenticator_id');
  const candidates = usable.filter((a) => types.includes(a.type) && (wanted === undefined || a.id === wanted));
  const chosen = candidates.find((a) => a.type === 'otp') ?? candidates[0];
  if (!chosen) throw new UnsupportedChallengeTypeError();
  if (chosen.type === 'otp') return { challenge_type: 'otp' };
  const oobCode = await mfa.withinSendLimit(record, req.request, () => mfa.challengeOob(chosen, record.id));
  await mfa.audit({ type: 'mfa.challenge_sent', outcome: 'success', reason: chosen.oob_channel, ...mfa.eventFields(record, req.request) });
  return { challenge_type: 'oob', oob_code: oobCode, binding_method: 'prompt' };
}
