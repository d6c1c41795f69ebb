/**
 * The mfa_token: issued with `mfa_required`, it carries what the first step granted until a second factor is shown.
 * Opaque, only its SHA-256 at rest, valid 10 minutes, bound to the client; five wrong codes end it, and per user,
 * wrong codes draw from a bucket of 10 that refills one every 6 minutes. Both limits are reserved before an answer
 * is checked and given back when it was right, so they hold exactly under any concurrency.
 */
import { InvalidGrantError, TooManyAttemptsError } from '../errors/oauth.ts';
import type { AuditLog } from '../events/audit.ts';
import type { AttemptStore } from '../storage/slices/attempts.ts';
import type { BucketPolicy } from '../model/attempts.ts';
import type { MfaStore } from '../storage/slices/mfa.ts';
import type { MfaTokenRecord } from '../model/mfa.ts';
import { newOpaqueToken, tokenHash } from '../tokens/opaque.ts';
import { DeliveryFailedError } from './delivery.ts';

export const MFA_TOKEN_TTL = 600;
export const MAX_WRONG_CODES = 5;
const USER_BUCKET: BucketPolicy = { capacity: 10, refill_per_second: 1 / 360 };

/** Who is asking, for events: never a code or a token. */
export interface MfaRequestInfo {
  ip: string;
  userAgent: string | undefined;
}

/** What one answer holds while it is checked; settled once, by MfaTokens.wrongAnswer, consume or abandon. */
export interface AnswerAdmission {
  readonly record: MfaTokenRecord;
  /** The token's failures with this answer's reservation: the n of "n of 5" in the log. */
  readonly failures: number;
  /** Whether it holds a token of the user's bucket. */
  bucket: boolean;
  settled: boolean;
}

export type NewMfaToken = Omit<MfaTokenRecord, 'id' | 'created_at' | 'expires_at' | 'failures' | 'consumed_at'>;

export interface MfaTokenDeps {
  store: MfaStore;
  attempts: AttemptStore;
  audit: AuditLog;
  /** How many emailed or texted codes a user may be sent, as a bucket (mfa.send_limit). */
  sendLimit: BucketPolicy;
  now: () => number;
}

const INVALID = 'The mfa_token is invalid or expired.';

export class MfaTokens {
  readonly #deps: MfaTokenDeps;
  constructor(deps: MfaTokenDeps) {
    this.#deps = deps;
  }

  /** The new token (shown once) and its record as stored. */
  async issue(grant: NewMfaToken): Promise<{ token: string; record: MfaTokenRecord }> {
    const token = newOpaqueToken();
    const now = this.#deps.now();
    const record: MfaTokenRecord = { ...grant, id: tokenHash(token), created_at: now, expires_at: now + MFA_TOKEN_TTL, failures: 0, consumed_at: null };
    await this.#deps.store.createMfaToken(record);
    return { token, record };
  }

  /**
   * The live record behind `token`. `clientId`, when given, must be the client it was issued to. Unknown, expired,
   * used, exhausted and foreign tokens get one answer, so it says nothing about which.
   */
  async live(token: string, clientId?: string): Promise<MfaTokenRecord> {
    const record = await this.#deps.store.findMfaToken(tokenHash(token));
    if (!record || record.consumed_at !== null || record.expires_at <= this.#deps.now() || record.failures >= MAX_WRONG_CODES) {
      throw new InvalidGrantError(INVALID, record ? 'mfa.token_not_live' : 'mfa.token_unknown');
    }
    if (clientId !== undefined && record.client_id !== clientId) throw new InvalidGrantError(INVALID, 'mfa.token_client');
    return record;
  }

  /**
   * /mfa/challenge checks nothing, so it only looks: a user whose wrong answers emptied the bucket is refused (429)
   * before being sent a code they could not use.
   */
  async refuseThrottled(record: MfaTokenRecord, request: MfaRequestInfo): Promise<void> {
    const { allowed, retry_after } = await this.#deps.attempts.takeFromBucket(this.#bucket(record), 0, this.#deps.now(), USER_BUCKET);
    if (!allowed) throw await this.#throttled(record, request, retry_after);
  }

  /**
   * Just before an answer is checked, reserves what a wrong answer spends, each in one atomic write: one of the
   * token's MAX_WRONG_CODES, then one of the user's bucket. However many answers race, on however many nodes, no
   * more are checked than the limits allow. A token with none left is invalid_grant; an empty bucket is 429 (and
   * the token's reservation goes back). The admission is then settled once: wrongAnswer, consume or abandon.
   */
  async admitAnswer(record: MfaTokenRecord, request: MfaRequestInfo): Promise<AnswerAdmission> {
    const { store, attempts, now } = this.#deps;
    const failures = await store.reserveMfaTokenAnswer(record.id, now(), MAX_WRONG_CODES);
    if (failures === 0) throw new InvalidGrantError(INVALID, 'mfa.token_not_live');
    const admission: AnswerAdmission = { record, failures, bucket: false, settled: false };
    const { allowed, retry_after } = await attempts.takeFromBucket(this.#bucket(record), 1, now(), USER_BUCKET).catch(async (err: unknown) => {
      await this.abandon(admission).catch(() => {}); // else the reservation stays counted: the token fails closed
      throw err;
    });
    if (!allowed) {
      await this.abandon(admission);
      throw await this.#throttled(record, request, retry_after);
    }
    admission.bucket = true;
    return admission;
  }

  /** A wrong answer: what its admission reserved stays spent; it is recorded and answered invalid_grant. */
  async wrongAnswer(admission: AnswerAdmission, reason: string, description: string, request: MfaRequestInfo): Promise<InvalidGrantError> {
    admission.settled = true;
    const { record, failures } = admission;
    return this.#deps.audit.fail(new InvalidGrantError(description, `mfa.wrong_code: ${reason} (${failures} of ${MAX_WRONG_CODES})`),
      { type: 'mfa.failure', outcome: 'failure', reason, ...this.eventFields(record, request) });
  }

  /**
   * A right answer: the one conditional write that ends the exchange (of two concurrent right answers, only one
   * gets tokens), and the bucket's token back. The answer's own reservation is among the token's failures, hence
   * the limit one higher; consuming ends the token, so that reservation needs no giving back. A give-back that fails
   * leaves the user's bucket a token short (it refills) rather than fail a login whose token is already consumed.
   */
  async consume(admission: AnswerAdmission): Promise<void> {
    admission.settled = true;
    const [consumed] = await Promise.all([
      this.#deps.store.consumeMfaToken(admission.record.id, this.#deps.now(), MAX_WRONG_CODES + 1),
      this.#giveBackBucket(admission).catch(() => {}),
    ]);
    if (!consumed) throw new InvalidGrantError(INVALID, 'mfa.token_race_lost');
  }

  /** An answer that ended without a verdict (refused by another limit, or an error): both reservations go back. */
  async abandon(admission: AnswerAdmission): Promise<void> {
    if (admission.settled) return;
    admission.settled = true;
    await Promise.all([this.#deps.store.releaseMfaTokenAnswer(admission.record.id), this.#giveBackBucket(admission)]);
  }

  /**
   * Sends one emailed or texted code within the user's allowance (mfa.send_limit): one code is taken first, in one
   * atomic write shared by every node, or the call is refused with 429 and nothing is sent, so neither a client's loop
   * nor an attacker holding a password turns Tollgate into a source of unwanted mail or paid texts. When `send` fails
   * before the code reached the sender, the code is given back; one whose delivery failed may have gone out, and counts.
   */
  async withinSendLimit<T>(record: Pick<MfaTokenRecord, 'client_id' | 'connection' | 'user_id'>, request: MfaRequestInfo, send: () => Promise<T>): Promise<T> {
    const { attempts, now, sendLimit } = this.#deps;
    const bucket = `mfa-send:${record.user_id}`;
    const { allowed, retry_after } = await attempts.takeFromBucket(bucket, 1, now(), sendLimit);
    if (!allowed) {
      throw await this.#deps.audit.fail(
        new TooManyAttemptsError('Too many verification codes sent; try again later.', 'mfa.too_many_sends', retry_after),
        { type: 'mfa.throttled', outcome: 'failure', reason: 'too_many_sends', ...this.eventFields(record, request) },
      );
    }
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof DeliveryFailedError)) await attempts.giveBackToBucket(bucket, now(), sendLimit).catch(() => {});
      throw err;
    }
  }

  eventFields(record: Pick<MfaTokenRecord, 'client_id' | 'connection' | 'user_id'>, request: MfaRequestInfo) {
    return { client_id: record.client_id, connection: record.connection, user_id: record.user_id, ip: request.ip, user_agent: request.userAgent ?? null };
  }

  #bucket(record: MfaTokenRecord): string {
    return `mfa:${record.user_id}`;
  }

  async #giveBackBucket(admission: AnswerAdmission): Promise<void> {
    if (admission.bucket) await this.#deps.attempts.giveBackToBucket(this.#bucket(admission.record), this.#deps.now(), USER_BUCKET);
  }

  #throttled(record: MfaTokenRecord, request: MfaRequestInfo, retryAfter: number): Promise<TooManyAttemptsError> {
    return this.#deps.audit.fail(new TooManyAttemptsError('Too many wrong verification codes; try again later.', 'mfa.too_many_codes', retryAfter),
      { type: 'mfa.throttled', outcome: 'failure', reason: 'too_many_codes', ...this.eventFields(record, request) });
  }
}
