/** Sending one-time codes out of band: email through SMTP (nodemailer), SMS through the operator's webhook; the mailer serves other notices too. */
import nodemailer from 'nodemailer';
import type { MfaConfig } from '../config/schema.ts';
import { TemporarilyUnavailableError } from '../errors/oauth.ts';
import type { OobChannel } from '../model/mfa.ts';

export interface CodeSender {
  send(address: string, code: string): Promise<void>;
}

export type CodeSenders = Partial<Record<OobChannel, CodeSender>>;

/** A code handed to its sender, which failed: it may have gone out all the same (a webhook that timed out). */
export class DeliveryFailedError extends TemporarilyUnavailableError {}

/** One plain-text email; `to` may list several addresses. */
export interface Mail {
  to: string | string[];
  subject: string;
  text: string;
}

/** Sends mail through mfa.email's SMTP server, from its From address: codes, and breached password notifications. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export function smtpMailer(settings: Pick<NonNullable<MfaConfig['email']>, 'smtp' | 'from'>): Mailer {
  const transport = nodemailer.createTransport(settings.smtp);
  return {
    async send({ to, subject, text }) {
      await transport.sendMail({ from: settings.from, to, subject, text });
    },
  };
}

function emailSender(settings: NonNullable<MfaConfig['email']>, minutes: number): CodeSender {
  const mailer = smtpMailer(settings);
  return {
    send: (address, code) => mailer.send({
      to: address, subject: settings.subject,
      text: `Your verification code is ${code}. It expires in ${minutes} minutes. If you did not try to sign in, change your password.`,
    }),
  };
}

function smsSender(settings: NonNullable<MfaConfig['sms']>): CodeSender {
  return {
    async send(address, code) {
      const response = await fetch(settings.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(settings.authorization ? { authorization: settings.authorization } : {}) },
        body: JSON.stringify({ to: address, code, message: `Your verification code is ${code}` }),
        signal: AbortSignal.timeout(settings.timeout),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the SMS webhook answered ${response.status}`);
    },
  };
}

export function codeSenders(config: MfaConfig): CodeSenders {
  return {
    ...(config.email ? { email: emailSender(config.email, Math.round(config.code_ttl / 60)) } : {}),
    ...(config.sms ? { sms: smsSender(config.sms) } : {}),
  };
}
