/** When a login needs a second factor, and which authenticators count (per connection, overridden per client). */
import type { AuthenticatorRecord } from '../model/mfa.ts';
import type { ClientRecord } from '../model/client.ts';
import type { ConnectionRecord, MfaFactor, MfaPolicy } from '../model/directory.ts';

const NEVER: MfaPolicy = { policy: 'never', factors: ['otp', 'email', 'sms', 'recovery-code'] };

export function effectivePolicy(connection: ConnectionRecord | undefined, client: ClientRecord): MfaPolicy {
  const base = connection?.mfa ?? NEVER;
  return { policy: client.mfa?.policy ?? base.policy, factors: client.mfa?.factors ?? base.factors };
}

/** The factor an authenticator answers with, in the policy's vocabulary (and the amr value it adds). */
export function factorOf(authenticator: AuthenticatorRecord): MfaFactor {
  if (authenticator.type === 'oob') return authenticator.oob_channel === 'sms' ? 'sms' : 'email';
  return authenticator.type;
}

/** Authenticators the policy lets this login use: active, of an allowed factor. */
export function usableAuthenticators(authenticators: readonly AuthenticatorRecord[], policy: MfaPolicy): AuthenticatorRecord[] {
  return authenticators.filter((a) => a.activated_at !== null && policy.factors.includes(factorOf(a)));
}

/** A recovery code alone is not an enrolment: it is the way back when the real factor is lost. */
export function isEnrolled(usable: readonly AuthenticatorRecord[]): boolean {
  return usable.some((a) => a.type !== 'recovery-code');
}

export function mfaRequired(policy: MfaPolicy, usable: readonly AuthenticatorRecord[]): boolean {
  return policy.policy === 'always' || (policy.policy === 'if_enrolled' && isEnrolled(usable));
}
