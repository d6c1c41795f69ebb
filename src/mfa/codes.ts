/** Random codes and identifiers of the MFA exchange. */
import { randomBytes, randomInt } from 'node:crypto';
import type { AuthenticatorType, OobChannel } from '../model/mfa.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 24 characters of base32 (120 bits), like Auth0's: typed by a person, so no lookalike lower case. */
export function newRecoveryCode(): string {
  return Array.from(randomBytes(24), (byte) => BASE32[byte & 31]).join('');
}

/** What a person may have typed around a recovery code: spaces, dashes, lower case. */
export function normalizeRecoveryCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}

/** The six digits sent by email or SMS. */
export function newBindingCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Auth0's authenticator ids: the kind, then an opaque device id. */
export function newAuthenticatorId(type: AuthenticatorType, channel: OobChannel | null): string {
  const kind = type === 'otp' ? 'totp' : type === 'oob' ? channel : 'recovery-code';
  return `${kind}|dev_${randomBytes(12).toString('base64url')}`;
}

/** "a***@e***.com", "+1******4567": enough for a person to recognise, not to harvest. */
export function maskAddress(address: string, channel: OobChannel): string {
  if (channel === 'sms') return `${address.slice(0, 2)}${'*'.repeat(Math.max(0, address.length - 6))}${address.slice(-4)}`;
  const [local = '', domain = ''] = address.split('@');
  const dot = domain.lastIndexOf('.');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***${dot >= 0 ? domain.slice(dot) : ''}`;
}
