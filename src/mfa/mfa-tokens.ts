/**
 * The mfa_token: issued with `mfa_required`, it carries what the first step granted until a second factor is shown.
 * Opaque, only its SHA-256 at rest, valid 10 minutes, bound to the client; five wrong codes end it, and per user,
 * wrong codes draw from a bucket of 10 that refills one every 6 minutes.
 */
import { InvalidGrantError, TooManyAttemptsError } from '../errors/oauth.ts';
import type { AuditLog } from '../events/audit.ts';
import type { AttemptStore } from '../storage/slices/attempts.ts';
import type { BucketPolicy } from '../model/attempts.ts';
import type { MfaStore } from '../storage/slices/mfa.ts';
import type { MfaTokenRecord } from '../model/mfa.ts';
import { newOpaqueToken, tokenHash } from '../tokens/opaque.ts';

export const MFA_TOKEN_TTL = 600;
export const MAX_WRONG_CODES = 5;
const USER_BUCKET: BucketPolicy = { capacity: 10, refill_per_second: 1 / 360 };

/** Who is asking, for events: never a code or a token. */
export interface MfaRequestInfo {
  ip: string;
  userAgent: string | undefined;
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

  /** Before a code is checked: a user whose wrong codes emptied the bucket is refused (429), costing nothing. */
  async admit(record: MfaTokenRecord, request: MfaRequestInfo): Promise<void> {
    const { allowed, retry_after } = await this.#deps.attempts.takeFromBucket(this.#bucket(record), 0, this.#deps.now(), USER_BUCKET);
    if (allowed) return;
    throw await this.#deps.audit.fail(
      new TooManyAttemptsError('Too many wrong verification codes; try again later.', 'mfa.too_many_codes', retry_after),
      { type: 'mfa.throttled', outcome: 'failure', reason: 'too_many_codes', ...this.eventFields(record, request) },
    );
  }

  /**
   * Before an emailed or texted code is sent: takes one from the user's allowance (one atomic write, shared by every
   * node), or refuses with 429 and sends nothing, so neither a client's loop nor an attacker holding a password turns
   * Tollgate into a source of unwanted mail or paid texts.
   */
  async admitSend(record: Pick<MfaTokenRecord, 'client_id' | 'connection' | 'user_id'>, request: MfaRequestInfo): Promise<void> {
    const { allowed, retry_after } = await this.#deps.attempts.takeFromBucket(`mfa-send:${record.user_id}`, 1, this.#deps.now(), this.#deps.sendLimit);
    if (allowed) return;
    throw await this.#deps.audit.fail(
      new TooManyAttemptsError('Too many verification codes sent; try again later.', 'mfa.too_many_sends', retry_after),
      { type: 'mfa.throttled', outcome: 'failure', reason: 'too_many_sends', ...this.eventFields(record, request) },
    );
  }

  /** A wrong code: counted on the token and in the user's bucket, recorded, and answered invalid_grant. */
  async wrongCode(record: MfaTokenRecord, reason: string, description: string, request: MfaRequestInfo): Promise<InvalidGrantError> {
    const [failures] = await Promise.all([
      this.#deps.store.addMfaTokenFailure(record.id),
      this.#deps.attempts.takeFromBucket(this.#bucket(record), 1, this.#deps.now(), USER_BUCKET),
    ]);
    return this.#deps.audit.fail(new InvalidGrantError(description, `mfa.wrong_code: ${reason} (${failures} of ${MAX_WRONG_CODES})`),
      { type: 'mfa.failure', outcome: 'failure', reason, ...this.eventFields(record, request) });
  }

  /** The one conditional write that ends the exchange: of two concurrent answers, only one gets tokens. */
  async consume(record: MfaTokenRecord): Promise<void> {
    if (!(await this.#deps.store.consumeMfaToken(record.id, this.#deps.now(), MAX_WRONG_CODES))) {
      throw new InvalidGrantError(INVALID, 'mfa.token_race_lost');
    }
  }

  eventFields(record: Pick<MfaTokenRecord, 'client_id' | 'connection' | 'user_id'>, request: MfaRequestInfo) {
    return { client_id: record.client_id, connection: record.connection, user_id: record.user_id, ip: request.ip, user_agent: request.userAgent ?? null };
  }

  #bucket(record: MfaTokenRecord): string {
    return `mfa:${record.user_id}`;
  }
}
