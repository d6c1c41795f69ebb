/**
 * A connection's password policy (connections[].password_policy): length, strength, no personal information, no
 * reuse of recent passwords. Pure apart from the two checks it is given, so every place that sets a password
 * (CLI, import, management API) asks the same question and gets the same answer: which rule failed, and why.
 */
import { PASSWORD_STRENGTHS, passwordPolicySchema, type Config, type PasswordPolicy } from '../config/schema.ts';
import type { PasswordHasher } from './passwords.ts';
import type { BreachedPasswords } from '../breached/detection.ts';
import { zxcvbnScorer, type StrengthScorer } from './password-strength.ts';

export type PolicyRule = 'min_length' | 'max_length' | 'no_personal_info' | 'strength' | 'history';

export type PolicyVerdict = { ok: true } | { ok: false; rule: PolicyRule; message: string };

/** Whose password it is. `previousHashes`: the current hash first, then replaced ones, newest first (history). */
export interface PasswordOwner {
  username: string;
  email: string | null;
  previousHashes?: readonly string[];
}

export interface PolicyChecks {
  verify: PasswordHasher['verify'];
  score: StrengthScorer;
  /** Breached password detection's check of a password being set (its stage shields); absent: none. */
  breached?: Pick<BreachedPasswords, 'refuses'>;
}

/** What a policy check needs, from the hasher in use; one per process or import, so zxcvbn loads once. */
export function policyChecks(hasher: Pick<PasswordHasher, 'verify'>, breached?: Pick<BreachedPasswords, 'refuses'>): PolicyChecks {
  return { verify: hasher.verify, score: zxcvbnScorer(), ...(breached ? { breached } : {}) };
}

/** The policy of a configured connection (the defaults for one the configuration does not name). */
export function policyOf(config: Pick<Config, 'connections'>, connection: string): PasswordPolicy {
  const found = config.connections.find((c) => c.name === connection);
  return found?.password_policy ?? passwordPolicySchema.parse({});
}

/** Parts of 3 characters or more: shorter ones would refuse too many unrelated passwords. */
function personalInfo(owner: PasswordOwner): string[] {
  const email = owner.email?.toLowerCase();
  return [owner.username.toLowerCase(), email, email?.split('@')[0]].filter((part): part is string => part !== undefined && part.length >= 3);
}

function refuse(rule: PolicyRule, message: string): PolicyVerdict {
  return { ok: false, rule, message };
}

/** Cheapest rules first; history last, since each recent password costs a hash verification. */
export async function checkPassword(policy: PasswordPolicy, password: string, owner: PasswordOwner, checks: PolicyChecks): Promise<PolicyVerdict> {
  const length = [...password].length;
  if (length > policy.max_length) return refuse('max_length', `must be at most ${policy.max_length} characters`);
  if (length < policy.min_length) return refuse('min_length', `must be at least ${policy.min_length} characters`);
  const personal = personalInfo(owner);
  const lower = password.toLowerCase();
  if (policy.no_personal_info && personal.some((part) => lower.includes(part))) return refuse('no_personal_info', 'must not contain the username or email address');
  if (policy.strength !== 'none' && (await checks.score(password, personal)) < PASSWORD_STRENGTHS[policy.strength]) {
    return refuse('strength', `is too easy to guess (at least "${policy.strength}" strength is required)`);
  }
  for (const hash of (owner.previousHashes ?? []).slice(0, policy.history)) {
    if (await checks.verify(hash, password)) {
      return refuse('history', policy.history === 1 ? 'must differ from the current password' : `must not be one of the last ${policy.history} passwords`);
    }
  }
  return { ok: true };
}

/** "password: must be at least 8 characters (password_policy.min_length)": for operators and API clients. */
export function describeRefusal(verdict: Extract<PolicyVerdict, { ok: false }>): string {
  return `password: ${verdict.message} (password_policy.${verdict.rule})`;
}
