/**
 * attack_protection.breached_password_detection: Auth0's Breached Password Detection, with Auth0's names (shields,
 * admin_notification_emails, stage) so the management API's /attack-protection/breached-password-detection maps onto it.
 */
import { z } from 'zod';
import { httpUrl, oneOf } from './fields.ts';

/** What a detection at login does (Auth0's shield names). */
export const LOGIN_SHIELDS = ['block', 'user_notification', 'admin_notification'] as const;
/** What a detection does when a password is being set: there is no user to tell yet (Auth0's stage shields). */
export const STAGE_SHIELDS = ['block', 'admin_notification'] as const;
export const DETECTION_METHODS = ['range_api', 'file'] as const;

const distinct = <T extends z.ZodType<string>>(item: T, what: string) => z.array(item)
  .refine((list) => new Set(list).size === list.length, { error: `lists a ${what} twice` });

const stageSchema = (when: string) => z.strictObject({
  shields: distinct(oneOf(STAGE_SHIELDS, 'shield'), 'shield').default(['block'])
    .describe(`What a breached password does ${when}: block refuses it (the endpoint's documented error, nothing stored changes); admin_notification emails admin_notification_emails. [] checks nothing.`),
}).prefault({});

export const breachedPasswordSchema = z.strictObject({
  enabled: z.boolean().default(false)
    .describe('Check passwords against a list of passwords leaked in public data breaches (Have I Been Pwned\'s Pwned Passwords): at login, after the right password only, and whenever a password is set (docs/breached-password-detection.md).'),
  method: oneOf(DETECTION_METHODS, 'method').default('range_api')
    .describe('range_api: ask range_url with the first 5 hex characters of the password\'s SHA-1 (k-anonymity: the password and its hash never leave the server); file: look the hash up in a local copy of the list (`file`), through an index Tollgate builds beside it on first use.'),
  range_url: httpUrl.refine((url) => url.endsWith('/'), { error: 'must end with "/": the 5-character prefix is appended' }).default('https://api.pwnedpasswords.com/range/')
    .describe('method range_api: GET {range_url}{5 hex characters} answers "SUFFIX:COUNT" lines; requested with Add-Padding: true, so the answer\'s size says nothing either.'),
  range_timeout: z.number().int().min(100).max(30_000).default(2000)
    .describe('method range_api: milliseconds to wait for an answer. Past it, or when the API cannot be reached, the password passes (fail-open) and a breached_password.unavailable event says so.'),
  range_cache_ttl: z.number().int().min(0).max(86_400).default(300)
    .describe('method range_api: seconds each node keeps a prefix\'s answer (at most 256 answers), so repeated logins cost no request. 0: no cache.'),
  file: z.string().min(1).optional()
    .describe('method file: the Pwned Passwords SHA-1 list ("HASH:COUNT" lines sorted by hash, as the downloader writes it), relative to this file. Tollgate writes FILE.tgidx beside it on first use (about a quarter of the list\'s size) and refuses a list that is not sorted.'),
  min_count: z.number().int().min(1).max(1_000_000_000).default(1)
    .describe('A password is breached when the list has seen it at least this often.'),
  shields: distinct(oneOf(LOGIN_SHIELDS, 'shield'), 'shield').default(['block'])
    .describe('What a breached password does at login: block refuses it with Auth0\'s password_leaked error until the password changes; user_notification emails the user; admin_notification emails admin_notification_emails. Emails go through mfa.email\'s SMTP server, once per leaked password.'),
  admin_notification_emails: z.array(z.email()).default([]).describe('Who admin_notification emails.'),
  stage: z.strictObject({
    'pre-user-registration': stageSchema('when a user is created (management API, `tollgate users add`, imports with plain passwords)'),
    'pre-change-password': stageSchema('when a password is changed (management API, `tollgate users set-password`)'),
  }).prefault({}).describe('Checks when a password is set.'),
}).superRefine((settings, ctx) => {
  if (settings.enabled && settings.method === 'file' && settings.file === undefined) {
    ctx.addIssue({ code: 'custom', path: ['file'], message: 'required with method file' });
  }
  const admins = [settings.shields, settings.stage['pre-user-registration'].shields, settings.stage['pre-change-password'].shields]
    .some((shields) => (shields as readonly string[]).includes('admin_notification'));
  if (settings.enabled && admins && settings.admin_notification_emails.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['admin_notification_emails'], message: 'required with the admin_notification shield' });
  }
});

export type BreachedPasswordSettings = z.output<typeof breachedPasswordSchema>;
export type LoginShield = (typeof LOGIN_SHIELDS)[number];
export type PasswordStage = keyof BreachedPasswordSettings['stage'];
