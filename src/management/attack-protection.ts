/**
 * Auth0's attack-protection settings (brute-force protection, suspicious IP throttling, breached-password detection)
 * in Auth0's shapes, mapped onto Tollgate's attack_protection configuration. A field Tollgate honours maps to a setting;
 * a value Tollgate cannot honour is refused (400 invalid_body naming the field), never stored for show.
 */
import { z } from 'zod';
import { attackProtectionSchema, type AttackProtectionConfig } from '../config/schema.ts';
import { LOGIN_SHIELDS as BREACHED_SHIELDS, STAGE_SHIELDS as BREACHED_STAGE_SHIELDS } from '../config/breached-schema.ts';
import { InvalidInputError, type FieldProblem } from '../errors/management.ts';
import type { SettingChanges } from '../protection/live-settings.ts';
import { recordChange, type Actor, type ManagementContext } from './context.ts';

const file = attackProtectionSchema.shape;
const bruteForceFields = file.brute_force.unwrap().shape;
const ipThrottlingFields = file.ip_throttling.unwrap().shape;
const allowlist = file.allowlist.unwrap();

/** Auth0's lockout modes, and the brute_force.mode each is. */
const MODES = { count_per_identifier_and_ip: 'per_account_and_ip', count_per_identifier: 'per_account' } as const;
type Auth0Mode = keyof typeof MODES;
const auth0Mode = (mode: AttackProtectionConfig['brute_force']['mode']) => (Object.keys(MODES) as Auth0Mode[]).find((m) => MODES[m] === mode)!;

/** Auth0's `rate` (milliseconds between two attempts given back) is ip_throttling.per_day the other way round. */
const DAY_MS = 86_400_000;
/** per_day from 1 to 8,640,000 (the configuration's bounds). */
const rate = z.number().int().min(10).max(DAY_MS)
  .describe('Milliseconds after which the bucket gives one attempt back (ip_throttling.per_day = 86,400,000 / rate; 10 to 86,400,000).');

/**
 * A list of Auth0's shield names: the ones Tollgate honours are kept, each other one is refused with the reason.
 * `required` is a shield the list must hold (Tollgate has no monitor-only mode).
 */
function shields<T extends string>(names: readonly T[], refused: Partial<Record<T, string>>, required?: T) {
  return z.array(z.enum(names as [T, ...T[]])).superRefine((list, ctx) => {
    list.forEach((shield, i) => {
      const reason = refused[shield];
      if (reason) ctx.addIssue({ code: 'custom', path: [i], message: reason });
    });
    if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', message: 'lists a value twice' });
    if (required && !list.includes(required)) {
      ctx.addIssue({ code: 'custom', message: `must include "${required}": Tollgate has no monitor-only mode (turn the protection off with enabled: false)` });
    }
  });
}

/** A field Auth0 has that Tollgate gives no meaning to: any value is refused, with the reason. */
const refusedField = (reason: string) => z.unknown().refine(() => false, { message: reason }).optional().describe(`Refused: ${reason}`);

// Brute-force protection: brute_force.{enabled, threshold, mode}.

export const bruteForceView = z.object({
  enabled: z.boolean().describe('brute_force.enabled'),
  shields: z.array(z.literal('block')).describe('Always ["block"]: the account is blocked for the IP (or every IP) at max_attempts.'),
  allowlist: z.array(z.string()).max(0).describe('Always []: no IP is exempt from brute-force protection.'),
  mode: z.enum(Object.keys(MODES) as [Auth0Mode, ...Auth0Mode[]]).describe('brute_force.mode: count_per_identifier_and_ip is per_account_and_ip, count_per_identifier is per_account.'),
  max_attempts: z.number().int().describe('brute_force.threshold: consecutive failures that start the block (1-100).'),
});

export const bruteForcePatch = z.strictObject({
  enabled: z.boolean().optional(),
  shields: shields(['block', 'user_notification'], {
    user_notification: 'Tollgate sends no email when it blocks an account; the block is the audit event brute_force.blocked',
  }, 'block').optional(),
  allowlist: z.array(z.string()).max(0, 'Tollgate exempts no IP from brute-force protection (attack_protection.allowlist exempts IPs from suspicious IP throttling and the rate limit: set it at /attack-protection/suspicious-ip-throttling)').optional(),
  mode: bruteForceView.shape.mode.optional(),
  max_attempts: bruteForceFields.threshold.unwrap().optional(),
});

export function bruteForceOf(config: AttackProtectionConfig): z.output<typeof bruteForceView> {
  const { enabled, mode, threshold } = config.brute_force;
  return { enabled, shields: ['block'], allowlist: [], mode: auth0Mode(mode), max_attempts: threshold };
}

function bruteForceChanges(body: z.output<typeof bruteForcePatch>): SettingChanges {
  return {
    ...(body.enabled !== undefined ? { 'brute_force.enabled': body.enabled } : {}),
    ...(body.max_attempts !== undefined ? { 'brute_force.threshold': body.max_attempts } : {}),
    ...(body.mode !== undefined ? { 'brute_force.mode': MODES[body.mode] } : {}),
  };
}

// Suspicious IP throttling: ip_throttling.{enabled, max_attempts, per_day} and allowlist.

export const ipThrottlingView = z.object({
  enabled: z.boolean().describe('ip_throttling.enabled'),
  shields: z.array(z.literal('block')).describe('Always ["block"]: a throttled IP is answered 429 too_many_attempts.'),
  allowlist: z.array(z.string()).describe('attack_protection.allowlist: IPs and CIDR ranges exempt from IP throttling and from the request rate limit.'),
  stage: z.object({
    'pre-login': z.object({
      max_attempts: z.number().int().describe('ip_throttling.max_attempts: failed logins an IP may make in a burst.'),
      rate: z.number().int().describe('Milliseconds after which one attempt is given back: 86,400,000 / ip_throttling.per_day, rounded.'),
    }),
  }),
});

export const ipThrottlingPatch = z.strictObject({
  enabled: z.boolean().optional(),
  shields: shields(['block', 'admin_notification'], {
    admin_notification: 'Tollgate sends no email when it throttles an IP; the audit event ip.throttled records it',
  }, 'block').optional(),
  allowlist: allowlist.optional(),
  stage: z.strictObject({
    'pre-login': z.strictObject({
      max_attempts: ipThrottlingFields.max_attempts.unwrap().optional(),
      rate: rate.optional(),
    }).optional(),
    'pre-user-registration': refusedField('Tollgate has no sign-up endpoint, so there are no registrations to throttle'),
  }).optional(),
});

export function ipThrottlingOf(config: AttackProtectionConfig): z.output<typeof ipThrottlingView> {
  const { enabled, max_attempts, per_day } = config.ip_throttling;
  return { enabled, shields: ['block'], allowlist: [...config.allowlist], stage: { 'pre-login': { max_attempts, rate: Math.round(DAY_MS / per_day) } } };
}

function ipThrottlingChanges(body: z.output<typeof ipThrottlingPatch>): SettingChanges {
  const preLogin = body.stage?.['pre-login'];
  return {
    ...(body.enabled !== undefined ? { 'ip_throttling.enabled': body.enabled } : {}),
    ...(body.allowlist !== undefined ? { allowlist: body.allowlist } : {}),
    ...(preLogin?.max_attempts !== undefined ? { 'ip_throttling.max_attempts': preLogin.max_attempts } : {}),
    ...(preLogin?.rate !== undefined ? { 'ip_throttling.per_day': DAY_MS / preLogin.rate } : {}),
  };
}

// Breached-password detection: breached_password_detection.{enabled, shields, stage}; the same names as Auth0's.

const STAGES = ['pre-user-registration', 'pre-change-password'] as const;
const stageView = z.object({ shields: z.array(z.enum(BREACHED_STAGE_SHIELDS)) });

export const breachedPasswordView = z.object({
  enabled: z.boolean().describe('breached_password_detection.enabled'),
  shields: z.array(z.enum(BREACHED_SHIELDS)).describe('breached_password_detection.shields: what a login with a breached password does.'),
  admin_notification_frequency: z.array(z.literal('immediately')).describe('Always ["immediately"]: admin_notification emails at each detection.'),
  method: z.literal('standard').describe('Always "standard": known breaches (Pwned Passwords). Where the list comes from is breached_password_detection.method in the file.'),
  stage: z.object({ 'pre-user-registration': stageView, 'pre-change-password': stageView })
    .describe('breached_password_detection.stage: what setting a breached password does, for a new user and for a password change.'),
});

const stagePatch = z.strictObject({ shields: z.array(z.enum(BREACHED_STAGE_SHIELDS)).refine((list) => new Set(list).size === list.length, 'lists a shield twice').optional() }).optional();

export const breachedPasswordPatch = z.strictObject({
  enabled: z.boolean().optional(),
  shields: shields(BREACHED_SHIELDS, {}).optional(),
  admin_notification_frequency: shields(['immediately', 'daily', 'weekly', 'monthly'], {
    daily: 'Tollgate notifies at each detection (immediately) and sends no digests',
    weekly: 'Tollgate notifies at each detection (immediately) and sends no digests',
    monthly: 'Tollgate notifies at each detection (immediately) and sends no digests',
  }).optional(),
  method: z.enum(['standard', 'enhanced']).refine((method) => method === 'standard', "Tollgate offers only the standard method (known breaches); there is no Credential Guard ('enhanced')").optional(),
  stage: z.strictObject({ 'pre-user-registration': stagePatch, 'pre-change-password': stagePatch }).optional(),
});

export function breachedPasswordOf(config: AttackProtectionConfig): z.output<typeof breachedPasswordView> {
  const { enabled, shields: atLogin, stage } = config.breached_password_detection;
  return {
    enabled, shields: [...atLogin], admin_notification_frequency: ['immediately'], method: 'standard',
    stage: Object.fromEntries(STAGES.map((name) => [name, { shields: [...stage[name].shields] }])) as z.output<typeof breachedPasswordView>['stage'],
  };
}

function breachedPasswordChanges(body: z.output<typeof breachedPasswordPatch>, current: AttackProtectionConfig): SettingChanges {
  const changes: SettingChanges = {
    ...(body.enabled !== undefined ? { 'breached_password_detection.enabled': body.enabled } : {}),
    ...(body.shields !== undefined ? { 'breached_password_detection.shields': body.shields } : {}),
  };
  for (const name of STAGES) {
    const stageShields = body.stage?.[name]?.shields;
    if (stageShields !== undefined) changes[`breached_password_detection.stage.${name}.shields`] = stageShields;
  }
  // admin_notification emails the file's addresses: with none, it would notify nobody.
  if (current.breached_password_detection.admin_notification_emails.length === 0) {
    const problems: FieldProblem[] = [body.shields, ...STAGES.map((name) => body.stage?.[name]?.shields)]
      .flatMap((list, i) => (list?.includes('admin_notification') ? [{ field: i === 0 ? 'shields' : `stage.${STAGES[i - 1]}.shields`, message: 'admin_notification needs attack_protection.breached_password_detection.admin_notification_emails in the configuration file' }] : []));
    if (problems.length > 0) throw new InvalidInputError('body', problems);
  }
  return changes;
}

/** The three resources, by their path below /attack-protection. */
export const ATTACK_PROTECTION = {
  'brute-force-protection': { view: bruteForceView, patch: bruteForcePatch, of: bruteForceOf, changes: bruteForceChanges },
  'suspicious-ip-throttling': { view: ipThrottlingView, patch: ipThrottlingPatch, of: ipThrottlingOf, changes: ipThrottlingChanges },
  'breached-password-detection': { view: breachedPasswordView, patch: breachedPasswordPatch, of: breachedPasswordOf, changes: breachedPasswordChanges },
} as const;
export type AttackProtectionResource = keyof typeof ATTACK_PROTECTION;

/** Applies a validated partial update on every node (this one at once), records it, and returns the resource as it now is. */
export async function changeAttackProtection<R extends AttackProtectionResource>(ctx: ManagementContext, actor: Actor, resource: R, body: Record<string, unknown>): Promise<unknown> {
  const { changes, of } = ATTACK_PROTECTION[resource] as unknown as {
    changes(body: Record<string, unknown>, current: AttackProtectionConfig): SettingChanges;
    of(config: AttackProtectionConfig): unknown;
  };
  const settings = await ctx.protection.change(changes(body, (await ctx.protection.current()).config), actor);
  await recordChange(ctx, actor, { type: 'attack_protection.updated', reason: `${resource}: ${Object.keys(body).join(', ') || 'nothing'}` });
  return of(settings.config);
}
