/**
 * Auth0's `custom_password_hash` object, as its bulk import documents it: `{ algorithm, hash: { value, encoding?,
 * digest?, key? }, salt?: { value, encoding?, position? }, password?: { encoding? }, keylen?, cost?, blockSize?,
 * parallelization? }`. Each algorithm reads the fields it needs; one it does not use is refused, because the hash
 * would then not verify the way the sender expects.
 */
import { z } from 'zod';
import { HashFormatError, PASSWORD_ENCODINGS, canonicalPasswordEncoding } from './encoding.ts';

const byteEncoding = z.enum(['base64', 'hex', 'utf8']);

export const customPasswordHashSchema = z.strictObject({
  algorithm: z.string().min(1).max(32),
  hash: z.strictObject({
    value: z.string().min(1).max(4096),
    encoding: byteEncoding.optional(),
    digest: z.string().max(32).optional(),
    key: z.strictObject({ value: z.string().max(1024), encoding: byteEncoding.optional() }).optional(),
  }),
  salt: z.strictObject({
    value: z.string().min(1).max(1024),
    encoding: byteEncoding.default('utf8'),
    position: z.enum(['prefix', 'suffix']).optional(),
  }).optional(),
  password: z.strictObject({ encoding: z.enum(PASSWORD_ENCODINGS).default('utf8') }).optional(),
  keylen: z.number().int().min(1).max(1024).optional(),
  cost: z.number().int().optional(),
  blockSize: z.number().int().optional(),
  parallelization: z.number().int().optional(),
});

export type CustomPasswordHash = z.output<typeof customPasswordHashSchema>;

/** The optional fields an algorithm may read. */
export type OptionalField = 'hash.encoding' | 'hash.digest' | 'hash.key' | 'salt' | 'password' | 'keylen' | 'cost' | 'blockSize' | 'parallelization';

const OPTIONAL_FIELDS: Record<OptionalField, (c: CustomPasswordHash) => unknown> = {
  'hash.encoding': (c) => c.hash.encoding,
  'hash.digest': (c) => c.hash.digest,
  'hash.key': (c) => c.hash.key,
  salt: (c) => c.salt,
  // utf8 is what every algorithm assumes, so saying so is never refused.
  password: (c) => (c.password && c.password.encoding !== 'utf8' ? c.password : undefined),
  keylen: (c) => c.keylen,
  cost: (c) => c.cost,
  blockSize: (c) => c.blockSize,
  parallelization: (c) => c.parallelization,
};

export function refuseUnusedFields(c: CustomPasswordHash, used: readonly OptionalField[]): void {
  for (const [field, read] of Object.entries(OPTIONAL_FIELDS) as [OptionalField, (c: CustomPasswordHash) => unknown][]) {
    if (!used.includes(field) && read(c) !== undefined) throw new HashFormatError(field, `not used by algorithm ${c.algorithm}`);
  }
}

/** hash.encoding must be one of `allowed`; absent means the first. */
export function hashEncoding<E extends 'base64' | 'hex' | 'utf8'>(c: CustomPasswordHash, allowed: readonly E[], required = false): E {
  const encoding = c.hash.encoding;
  if (encoding === undefined && !required) return allowed[0]!;
  if (!allowed.includes(encoding as E)) throw new HashFormatError('hash.encoding', `must be ${allowed.join(' or ')} for algorithm ${c.algorithm}`);
  return encoding as E;
}

/** The `enc` parameter a stored hash carries when the legacy system hashed other bytes than UTF-8. */
export function encParam(c: CustomPasswordHash): Record<string, string> {
  const enc = canonicalPasswordEncoding(c.password?.encoding ?? 'utf8');
  return enc === 'utf8' ? {} : { enc };
}
