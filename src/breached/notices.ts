/**
 * The emails breached password detection sends (Auth0's user_notification and admin_notification shields). They say
 * who and when, never the password or any hash of it.
 */
import type { Mail } from '../mfa/delivery.ts';
import type { PasswordStage } from '../config/breached-schema.ts';

export interface LoginNotice {
  connection: string;
  username: string;
  userId: string;
  ip: string | null;
  /** Whether the login was refused (the block shield). */
  blocked: boolean;
  /** Whether the user was emailed as well. */
  userNotified: boolean;
}

const STAGES: Record<PasswordStage, string> = {
  'pre-user-registration': 'create',
  'pre-change-password': 'change the password of',
};

export function userNotice(to: string, notice: LoginNotice): Mail {
  return {
    to,
    subject: 'Please change your password',
    text: `Someone just signed in to your account "${notice.username}" with a password that appears in a public data breach `
      + 'on another website (not this one). Anyone holding that breach can use it, so please change your password now, '
      + `and on every other site where you used it.${notice.blocked ? ' Until you do, signing in with it is refused.' : ''}\n`,
  };
}

export function adminLoginNotice(to: string[], notice: LoginNotice): Mail {
  const outcome = notice.blocked ? 'The login was refused until the password changes.' : 'The login was allowed.';
  return {
    to,
    subject: `Breached password used by ${notice.connection}/${notice.username}`,
    text: `A login of user "${notice.username}" (connection ${notice.connection}, user id ${notice.userId}) from IP ${notice.ip ?? 'unknown'} `
      + `used a password found in a public data breach on another website. ${outcome}`
      + `${notice.userNotified ? ' The user was emailed and asked to change it.' : ''}\n`
      + 'Only the first login with this password is reported; the audit log has every one (type pwd_leak).\n',
  };
}

export function adminStageNotice(to: string[], stage: PasswordStage, who: { connection: string; username: string }, refused: boolean): Mail {
  return {
    to,
    subject: `Breached password ${refused ? 'refused' : 'set'} for ${who.connection}/${who.username}`,
    text: `An attempt to ${STAGES[stage]} user "${who.username}" (connection ${who.connection}) gave a password found in a public `
      + `data breach on another website. ${refused ? 'It was refused, and nothing was stored.' : 'It was accepted.'}\n`,
  };
}
