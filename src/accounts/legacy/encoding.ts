/**
 * Byte strings in the forms imported hashes come in: PHC's B64 (phc-sf-spec: standard alphabet, no padding),
 * and Auth0's `encoding` values (hex in either case, base64 in either alphabet, utf8). Every decoder is strict:
 * Buffer.from alone would skip characters it does not know and verify against the wrong bytes.
 */

/** A custom_password_hash that cannot be imported: `field` is its path within the object, `detail` why. */
export class HashFormatError extends Error {
  readonly field: string;
  readonly detail: string;
  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'HashFormatError';
    this.field = field;
    this.detail = detail;
  }
}

const B64 = /^[A-Za-z0-9+/]*$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** PHC B64; undefined when the text is not B64 (a length of 4n+1 cannot be). */
export function fromB64(text: string): Buffer | undefined {
  return B64.test(text) && text.length % 4 !== 1 ? Buffer.from(text, 'base64') : undefined;
}

export function toB64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

export type ByteEncoding = 'base64' | 'hex' | 'utf8';

/** Auth0's encodings; `what` names the field in the error, never its value (it may be a hash). */
export function decodeBytes(value: string, encoding: ByteEncoding, what: string): Buffer {
  if (encoding === 'utf8') return Buffer.from(value, 'utf8');
  const valid = encoding === 'hex' ? HEX.test(value) : BASE64.test(value) && value.replace(/=+$/, '').length % 4 !== 1;
  if (!valid) throw new HashFormatError(what, `not valid ${encoding}`);
  return Buffer.from(value, encoding);
}

/** The encodings a legacy system may have hashed the password's characters in (Auth0's password.encoding). */
export const PASSWORD_ENCODINGS = ['ascii', 'utf8', 'utf16le', 'ucs2', 'latin1', 'binary'] as const;
export type PasswordEncoding = (typeof PASSWORD_ENCODINGS)[number];

/** Node's name for what the encoding does to a JS string: ascii and binary are latin1, ucs2 is utf16le. */
export function canonicalPasswordEncoding(encoding: PasswordEncoding): BufferEncoding {
  if (encoding === 'ascii' || encoding === 'binary') return 'latin1';
  return encoding === 'ucs2' ? 'utf16le' : encoding;
}

/** The password's bytes as the legacy system hashed them; `enc` comes from a stored hash's parameters. */
export function passwordBytes(password: string, enc: string | undefined): Buffer {
  return Buffer.from(password, enc === 'latin1' || enc === 'utf16le' ? enc : 'utf8');
}
