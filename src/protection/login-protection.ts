/**
 * Brute-force protection and suspicious IP throttling around one login (RFC 6749 §4.3.2: the server MUST
 * protect the endpoint against brute force). Checks run before the password is verified and cost no hash;
 * only failures are counted, so concurrent valid logins are never refused by the protection.
 */
import { TooManyAttemptsError } from '../errors/oauth.ts';
import type { AttackProtectionConfig } from '../config/schema.ts';
import type { AttemptStore, BucketPolicy, LoginFailureKey } from '../storage/interfaces.ts';
import type { AuditLog } from '../events/audit.ts';
import type { ProtectionSettings } from './live-settings.ts';

export const BLOCKED_DESCRIPTION = 'Your account has been blocked after multiple consecutive login attempts.';
export const THROTTLED_DESCRIPTION = 'We have detected suspicious login behavior and further attempts will be blocked. Please contact the administrator.';

/** One login as protection sees it: `username` is the account's canonical name, or the lower-cased login when unknown. */
export interface LoginAttempt {
  connection: string;
  username: string;
  userId: string | null;
  ip: string;
  clientId: string;
  userAgent: string | null;
}

export interface Admission {
  hadFailures: boolean;
}

export interface ProtectionDeps {
  store: AttemptStore;
  audit: AuditLog;
  /** The settings in force (the file's, with the management API's changes), read at each attempt. */
  settings: () => Promise<ProtectionSettings>;
  now: () => number;
}

/** What an audit event says about the attempt. */
export function eventFields(a: LoginAttempt) {
  return { connection: a.connection, username: a.username, user_id: a.userId, ip: a.ip, client_id: a.clientId, user_agent: a.userAgent };
}

/** Suspicious IP throttling's token bucket: max_attempts at once, refilled at per_day. */
function ipBucket({ max_attempts, per_day }: AttackProtectionConfig['ip_throttling']): BucketPolicy {
  return { capacity: max_attempts, refill_per_second: per_day / 86_400 };
}

export class LoginProtection {
  readonly #deps: ProtectionDeps;

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
   * Refuses a blocked account/IP pair and a throttled IP, before any hash is spent. Resolves to whether the
   * key had failures, so a success writes only when there is a counter to reset.
   */
  async admit(a: LoginAttempt): Promise<Admission> {
    const { store, audit, now } = this.#deps;
    const settings = await this.#deps.settings();
    const { config } = settings;
    let failures = 0;
    if (config.brute_force.enabled) {
      const state = await store.getLoginFailures(this.#key(a, config), now());
      failures = state?.failures ?? 0;
      if (state?.blocked_at != null) {
        throw await audit.fail(new TooManyAttemptsError(BLOCKED_DESCRIPTION, 'brute-force block'),
          { type: 'login.refused', outcome: 'failure', reason: 'brute_force_block', ...eventFields(a) });
      }
    }
    if (this.#throttles(a.ip, settings)) {
      const bucket = await store.takeFromBucket(`ip:${a.ip}`, 0, now(), ipBucket(config.ip_throttling));
      if (!bucket.allowed) {
        throw await audit.fail(new TooManyAttemptsError(THROTTLED_DESCRIPTION, 'ip throttled', bucket.retry_after),
          { type: 'ip.throttled', outcome: 'failure', reason: 'suspicious_ip', ...eventFields(a) });
      }
    }
    return { hadFailures: failures > 0 };
  }

  /** A wrong password or unknown user: one atomic increment of each counter. */
  async failed(a: LoginAttempt): Promise<void> {
    const { store, audit, now } = this.#deps;
    const settings = await this.#deps.settings();
    const { config } = settings;
    if (config.brute_force.enabled) {
      const { threshold, block_ttl } = config.brute_force;
      const state = await store.addLoginFailure(this.#key(a, config), now(), threshold, block_ttl ?? null);
      // Exactly one caller sees the count reach the threshold, so the block is announced once.
      if (state.failures === threshold) {
        await audit.emit({ type: 'brute_force.blocked', outcome: 'failure', reason: `${threshold} consecutive failures`, ...eventFields(a) });
      }
    }
    if (this.#throttles(a.ip, settings)) await store.takeFromBucket(`ip:${a.ip}`, 1, now(), ipBucket(config.ip_throttling));
  }

  /** A right password resets that key's counter (a failure racing this login may survive it: it happened too). */
  async succeeded(a: LoginAttempt, admission: Admission): Promise<void> {
    const { config } = await this.#deps.settings();
    if (config.brute_force.enabled && admission.hadFailures) await this.#deps.store.resetLoginFailures(this.#key(a, config));
  }
}
