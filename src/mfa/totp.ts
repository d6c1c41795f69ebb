/** TOTP (RFC 6238) through otpauth: SHA-1, 6 digits, 30-second steps, what every authenticator app expects. */
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;

function totp(secret: string, label = '', issuer = ''): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD });
}

/** 160 random bits, base32: the size RFC 4226 §4 recommends for HMAC-SHA-1. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI authenticator apps scan as a QR code. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return totp(secret, account, issuer).toString();
}

/** The code for `now` (Unix seconds): for tests and tools, never sent anywhere by the server. */
export function totpCode(secret: string, now: number): string {
  return totp(secret).generate({ timestamp: now * 1000 });
}

/**
 * The time step `code` belongs to, accepting one step of drift either way (RFC 6238 §5.2), or undefined. The step
 * is what makes a code single-use: the caller records it so the same code is refused the second time.
 */
export function totpStep(secret: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secret).validate({ token: code, timestamp: now * 1000, window: 1 });
  return delta === null ? undefined : Math.floor(now / PERIOD) + delta;
}

/** When a code of `step` can no longer be accepted, so its use need not be remembered longer. */
export function totpStepExpiry(step: number): number {
  return (step + 2) * PERIOD;
}
