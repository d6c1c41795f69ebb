/**
 * The user's authenticators: enrolment (associate), challenges, and checking the code each factor answers with.
 * A TOTP code is accepted once (RFC 6238 §5.2), an emailed or texted code belongs to one challenge, and a recovery
 * code is replaced the moment it is used.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthenticatorRecord, OobChallengeRecord, OobChannel } from '../model/mfa.ts';
import type { MfaStore } from '../storage/slices/mfa.ts';
import type { SingleUseStore } from '../storage/slices/single-use.ts';
import type { UserRecord } from '../model/user.ts';
import type { SecretBox } from './secret-box.ts';
import { DeliveryFailedError, type CodeSenders } from './delivery.ts';
import { newTotpSecret, totpStep, totpStepExpiry, totpUri } from './totp.ts';
import { newAuthenticatorId, newBindingCode, newRecoveryCode, normalizeRecoveryCode } from './codes.ts';
import { newOpaqueToken, tokenHash } from '../tokens/opaque.ts';
import { TemporarilyUnavailableError } from '../errors/oauth.ts';

export interface FactorDeps {
  store: MfaStore;
  once: SingleUseStore;
  box: SecretBox;
  senders: CodeSenders;
  otpIssuer: string;
  /** Seconds an emailed or texted code stays valid. */
  codeTtl: number;
  now: () => number;
  /** Delivery failures are logged with this (never the code). */
  onDeliveryError: (channel: OobChannel, err: unknown) => void;
}

export interface OtpEnrolment {
  authenticator_type: 'otp';
  secret: string;
  barcode_uri: string;
}

export interface OobEnrolment {
  authenticator_type: 'oob';
  oob_channel: OobChannel;
  oob_code: string;
  binding_method: 'prompt';
}

function sameHash(a: string, b: string): boolean {
  const [x, y] = [createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest()];
  return timingSafeEqual(x, y);
}

export class Factors {
  readonly #deps: FactorDeps;
  constructor(deps: FactorDeps) {
    this.#deps = deps;
  }

  /** A new, unconfirmed TOTP authenticator: the secret is shown once and kept sealed. */
  async enrolOtp(user: UserRecord): Promise<OtpEnrolment> {
    const id = newAuthenticatorId('otp', null);
    const secret = newTotpSecret();
    await this.#add({ id, user_id: user.id, type: 'otp', oob_channel: null, address: null, secret: this.#deps.box.seal(secret, id) });
    return { authenticator_type: 'otp', secret, barcode_uri: totpUri(secret, this.#deps.otpIssuer, user.email ?? user.username) };
  }

  /** A new, unconfirmed email or SMS authenticator, and its first challenge (confirming it is answering it). */
  async enrolOob(user: UserRecord, channel: OobChannel, address: string, mfaTokenId: string): Promise<OobEnrolment> {
    const authenticator = await this.#add({ id: newAuthenticatorId('oob', channel), user_id: user.id, type: 'oob', oob_channel: channel, address, secret: null });
    return { authenticator_type: 'oob', oob_channel: channel, oob_code: await this.challengeOob(authenticator, mfaTokenId), binding_method: 'prompt' };
  }

  /** The recovery code, created with the first enrolment and active once that is confirmed. */
  async enrolRecoveryCode(user: UserRecord): Promise<string> {
    const code = newRecoveryCode();
    await this.#add({ id: newAuthenticatorId('recovery-code', null), user_id: user.id, type: 'recovery-code', oob_channel: null, address: null, secret: tokenHash(code) });
    return code;
  }

  /** Sends a fresh code to the authenticator's address; returns the oob_code that names the challenge. */
  async challengeOob(authenticator: AuthenticatorRecord, mfaTokenId: string): Promise<string> {
    const channel = authenticator.oob_channel!;
    const sender = this.#deps.senders[channel];
    if (!sender || authenticator.address === null) throw new TemporarilyUnavailableError(`mfa.delivery_unconfigured: ${channel}`);
    const oobCode = newOpaqueToken();
    const binding = newBindingCode();
    const id = tokenHash(oobCode);
    const now = this.#deps.now();
    const challenge: OobChallengeRecord = {
      id, mfa_token_id: mfaTokenId, authenticator_id: authenticator.id, binding_hash: this.#deps.box.mac(binding, id),
      created_at: now, expires_at: now + this.#deps.codeTtl, polled_at: null, consumed_at: null,
    };
    await this.#deps.store.createOobChallenge(challenge);
    try {
      await sender.send(authenticator.address, binding);
    } catch (err) {
      this.#deps.onDeliveryError(channel, err);
      throw new DeliveryFailedError(`mfa.delivery_failed: ${channel}`);
    }
    return oobCode;
  }

  /** The TOTP authenticator `code` belongs to, now, recording its step so the same code never passes twice. */
  async matchOtp(candidates: readonly AuthenticatorRecord[], code: string): Promise<{ authenticator: AuthenticatorRecord; replayed: boolean } | undefined> {
    const now = this.#deps.now();
    for (const authenticator of candidates) {
      if (authenticator.type !== 'otp' || authenticator.secret === null) continue;
      const step = totpStep(this.#deps.box.open(authenticator.secret, authenticator.id), code, now);
      if (step === undefined) continue;
      const first = await this.#deps.once.useOnce(`totp:${authenticator.id}:${step}`, totpStepExpiry(step), now);
      return { authenticator, replayed: !first };
    }
    return undefined;
  }

  /** Whether `binding` is the code sent for `challenge` (a keyed MAC compared in constant time). */
  bindingMatches(challenge: OobChallengeRecord, binding: string): boolean {
    return sameHash(this.#deps.box.mac(binding, challenge.id), challenge.binding_hash);
  }

  /** Whether `code` is the recovery code of `authenticator`. */
  recoveryMatches(authenticator: AuthenticatorRecord, code: string): boolean {
    return authenticator.secret !== null && sameHash(tokenHash(normalizeRecoveryCode(code)), authenticator.secret);
  }

  /** Uses the recovery code up and returns its replacement; undefined when a concurrent request used it first. */
  async replaceRecoveryCode(authenticator: AuthenticatorRecord): Promise<string | undefined> {
    const code = newRecoveryCode();
    return (await this.#deps.store.replaceAuthenticatorSecret(authenticator.id, authenticator.secret!, tokenHash(code))) ? code : undefined;
  }

  async #add(fields: Omit<AuthenticatorRecord, 'created_at' | 'activated_at'>): Promise<AuthenticatorRecord> {
    const authenticator: AuthenticatorRecord = { ...fields, created_at: this.#deps.now(), activated_at: null };
    await this.#deps.store.addAuthenticator(authenticator);
    return authenticator;
  }
}
