/**
 * Brute-force protection and suspicious IP throttling around one login (RFC 6749 §4.3.2: the server MUST
 * protect the endpoint against brute force). An attempt is admitted before its password is verified, and admission
 * reserves what a failure would spend: a slot of the brute-force key (failures + slots in use stay below the
 * threshold) and a token of the IP's bucket. So however many requests arrive at once, at most `threshold` wrong
 * passwords per key, and at most the bucket's tokens per IP, are verified. A failure turns its reservations into
 * the spent attempt; a success gives them back (and resets the key's count); so do refusals after admission.
 * A login whose key has every slot in use waits in line for one (slot-queue.ts) rather than being refused.
 */
import { TooManyAttemptsError } from '../errors/oauth.ts';
import type { AttackProtectionConfig } from '../config/schema.ts';
import type { AttemptStore } from '../storage/slices/attempts.ts';
import type { BucketPolicy, LoginFailureKey } from '../model/attempts.ts';
import type { AuditLog } from '../events/audit.ts';
import type { ProtectionSettings } from './live-settings.ts';
import { SlotQueue } from './slot-queue.ts';

export const BLOCKED_DESCRIPTION = 'Your account has been blocked after multiple consecutive login attempts.';
export const THROTTLED_DESCRIPTION = 'We have detected suspicious login behavior and further attempts will be blocked. Please contact the administrator.';
export const BUSY_DESCRIPTION = 'Too many logins for this account are in progress. Please try again shortly.';

/**
 * Seconds a slot is held at most. A verification takes milliseconds, so only a node that died mid-login leaves a
 * slot this long; the exact count holds while every verification ends within it (and clocks agree to well within it).
 */
export const SLOT_LEASE = 30;

/** One login as protection sees it: `username` is the account's canonical name, or the lower-cased login when unknown. */
export interface LoginAttempt {
  connection: string;
  username: string;
  userId: string | null;
  ip: string;
  clientId: string;
  userAgent: string | null;
}

/** What admission reserved for one attempt: given back or spent once its outcome is known. */
export interface Admission {
  /** The brute-force key whose slot the attempt holds; null when brute-force protection is off. */
  slot: LoginFailureKey | null;
  /** The IP whose bucket the attempt holds a token of; null when it holds none. */
  token: string | null;
  /** The settings the attempt was admitted under: its failure or success is settled under the same ones. */
  config: AttackProtectionConfig;
}

export interface ProtectionDeps {
  store: AttemptStore;
  audit: AuditLog;
  /** The settings in force (the file's, with the management API's changes), read once per attempt. */
  settings: () => Promise<ProtectionSettings>;
  now: () => number;
}

/** What an audit event says about the attempt. */
export function eventFields(a: LoginAttempt) {
  return { connection: a.connection, username: a.username, user_id: a.userId, ip: a.ip, client_id: a.clientId, user_agent: a.userAgent };
}

const slotId = (k: LoginFailureKey) => JSON.stringify([k.connection, k.username, k.ip]);

/** Suspicious IP throttling's token bucket: max_attempts at once, refilled at per_day. */
function ipBucket({ max_attempts, per_day }: AttackProtectionConfig['ip_throttling']): BucketPolicy {
  return { capacity: max_attempts, refill_per_second: per_day / 86_400 };
}

export class LoginProtection {
  readonly #deps: ProtectionDeps;
  readonly #queue = new SlotQueue();

  constructor(deps: ProtectionDeps) {
    this.#deps = deps;
  }

  #key(a: LoginAttempt, config: AttackProtectionConfig): LoginFailureKey {
    return { connection: a.connection, username: a.username, ip: config.brute_force.mode === 'per_account' ? '*' : a.ip };
  }

  #throttles(ip: string, { config, allowlist }: ProtectionSettings): boolean {
    return config.ip_throttling.enabled && !allowlist.has(ip);
  }

  /**
   * Reserves the attempt's slot (waiting in line for one if need be) and its IP token, before any hash is spent.
   * Throws TooManyAttemptsError for a blocked key, a throttled IP, or a wait past `queue_timeout`.
   */
  async admit(a: LoginAttempt): Promise<Admission> {
    const { store, audit, now } = this.#deps;
    const settings = await this.#deps.settings();
    const { config } = settings;
    const admission: Admission = { slot: null, token: null, config };
    if (config.brute_force.enabled) {
      const key = this.#key(a, config);
      await this.#reserveSlot(a, key, config);
      admission.slot = key;
    }
    if (this.#throttles(a.ip, settings)) {
      const bucket = await store.takeFromBucket(`ip:${a.ip}`, 1, now(), ipBucket(config.ip_throttling)).catch(async (err: unknown) => {
        await this.abandoned(admission).catch(() => {}); // else the slot lapses with its lease
        throw err;
      });
      if (!bucket.allowed) {
        await this.abandoned(admission);
        throw await audit.fail(new TooManyAttemptsError(THROTTLED_DESCRIPTION, 'protection.ip_throttled', bucket.retry_after),
          { type: 'ip.throttled', outcome: 'failure', reason: 'suspicious_ip', ...eventFields(a) });
      }
      admission.token = a.ip;
    }
    return admission;
  }

  async #reserveSlot(a: LoginAttempt, key: LoginFailureKey, config: AttackProtectionConfig): Promise<void> {
    const { store, audit, now } = this.#deps;
    const { threshold, queue_timeout } = config.brute_force;
    const outcome = await this.#queue.acquire(slotId(key), {
      reserve: () => store.reserveLoginSlot(key, now(), threshold, SLOT_LEASE),
      release: () => store.releaseLoginSlot(key, now(), false),
    }, queue_timeout * 1000);
    if (outcome === 'blocked') {
      throw await audit.fail(new TooManyAttemptsError(BLOCKED_DESCRIPTION, 'protection.blocked'),
        { type: 'login.refused', outcome: 'failure', reason: 'brute_force_block', ...eventFields(a) });
    }
    if (outcome === 'timeout') {
      // Nothing was verified, so nothing is counted: the client may simply try again.
      throw await audit.fail(new TooManyAttemptsError(BUSY_DESCRIPTION, 'protection.queue_timeout', Math.max(1, Math.ceil(queue_timeout))),
        { type: 'login.refused', outcome: 'failure', reason: 'queue_timeout', ...eventFields(a) });
    }
  }

  /** A wrong password or unknown user: the slot becomes a counted failure; the IP's token stays spent. */
  async failed(a: LoginAttempt, admission: Admission): Promise<void> {
    const { store, audit, now } = this.#deps;
    if (admission.slot === null) return;
    const { threshold, block_ttl } = admission.config.brute_force;
    const state = await store.addLoginFailure(admission.slot, now(), threshold, block_ttl ?? null);
    // Waiters of this node learn at once whether the block began.
    this.#queue.wake(slotId(admission.slot));
    // Exactly one caller sees the count reach the threshold, so the block is announced once.
    if (state.failures === threshold) {
      await audit.emit({ type: 'brute_force.blocked', outcome: 'failure', reason: `${threshold} consecutive failures`, ...eventFields(a) });
    }
  }

  /** A right password: the slot and the token go back, and the key's count starts again from zero. */
  async succeeded(admission: Admission): Promise<void> {
    await this.#giveBack(admission, true);
  }

  /** An attempt that ended without a verdict on the password (a refusal after admission, an error): nothing is spent. */
  async abandoned(admission: Admission): Promise<void> {
    await this.#giveBack(admission, false);
  }

  async #giveBack(admission: Admission, reset: boolean): Promise<void> {
    const { store, now } = this.#deps;
    const { slot } = admission;
    await Promise.all([
      slot === null ? undefined : store.releaseLoginSlot(slot, now(), reset).then(() => this.#queue.wake(slotId(slot))),
      admission.token === null ? undefined : store.giveBackToBucket(`ip:${admission.token}`, now(), ipBucket(admission.config.ip_throttling)),
    ]);
  }
}
