import type { AuthenticatorRecord, MfaTokenRecord, OobChallengeRecord } from '../../model/mfa.ts';

/** MFA state: every single-use step is one conditional write (ARCHITECTURE.md principle 7). */
export interface MfaStore {
  createMfaToken(token: MfaTokenRecord): Promise<void>;
  findMfaToken(id: string): Promise<MfaTokenRecord | undefined>;
  /**
   * Admits one answer to be checked, before it is: one conditional write counts it as a failure in advance, only
   * while the token is unconsumed, unexpired at `now` and below `maxFailures`. However many answers race, at most
   * `maxFailures` are checked. Returns the count with this answer (0 when the token is not live or has no answer left).
   */
  reserveMfaTokenAnswer(id: string, now: number, maxFailures: number): Promise<number>;
  /** Gives an answer's reservation back: its check ended without a wrong answer (refused by another limit, or failed). */
  releaseMfaTokenAnswer(id: string): Promise<void>;
  /** Consumes the token if it is unconsumed, unexpired at `now` and below `maxFailures`; false otherwise. */
  consumeMfaToken(id: string, now: number, maxFailures: number): Promise<boolean>;
  /** Oldest first. */
  listAuthenticators(userId: string): Promise<AuthenticatorRecord[]>;
  addAuthenticator(authenticator: AuthenticatorRecord): Promise<void>;
  /** Confirms an enrolment; false when it was already active or is gone. */
  activateAuthenticator(id: string, now: number): Promise<boolean>;
  /** Replaces the secret only if it is still `expected`: what makes a recovery code one-time. */
  replaceAuthenticatorSecret(id: string, expected: string, replacement: string): Promise<boolean>;
  deleteAuthenticator(userId: string, id: string): Promise<boolean>;
  /** Removes every authenticator of the user (an MFA reset); returns how many went. */
  deleteUserAuthenticators(userId: string): Promise<number>;
  createOobChallenge(challenge: OobChallengeRecord): Promise<void>;
  findOobChallenge(id: string): Promise<OobChallengeRecord | undefined>;
  /** Records a poll at `now` unless the previous one was less than `interval` seconds before (false: slow_down). */
  pollOobChallenge(id: string, now: number, interval: number): Promise<boolean>;
  /** Consumes a challenge that is unconsumed and unexpired at `now`; false otherwise. */
  consumeOobChallenge(id: string, now: number): Promise<boolean>;
  /** Deletes expired tokens and challenges and enrolments left unconfirmed for a day; returns how many went. */
  purge(now: number): Promise<number>;
}
