/**
 * scrypt (RFC 7914), through node:crypto on the libuv thread pool. Auth0 takes the derived key (hex or base64),
 * the salt, keylen, cost (N, default 16384), blockSize (r, 8) and parallelization (p, 1); Tollgate stores them as
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$salt$hash`, plus `enc` when the password was not UTF-8.
 */
import { scrypt as deriveKey, type ScryptOptions } from 'node:crypto';
import type { LegacyAlgorithm } from './algorithm.ts';
import { encParam, hashEncoding } from './auth0-shape.ts';
import { HashFormatError, decodeBytes, passwordBytes } from './encoding.ts';
import { matchesDerivedKey } from './derived-key.ts';
import { formatPhc, intParam, parsePhc } from './phc.ts';

/** 128·N·r bytes per verification, four at once on the thread pool: at most 128 MiB each. */
const MAX_MEMORY = 128 * 1024 * 1024;

function scryptAsync(password: Buffer, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => deriveKey(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** N, r and p within bounds, else undefined. */
function costOf(ln: number | undefined, r: number | undefined, p: number | undefined): ScryptOptions | undefined {
  if (ln === undefined || r === undefined || p === undefined || 128 * 2 ** ln * r > MAX_MEMORY) return undefined;
  return { N: 2 ** ln, r, p, maxmem: 2 * MAX_MEMORY };
}

export const scrypt: LegacyAlgorithm = {
  names: ['scrypt'],
  fields: ['hash.encoding', 'salt', 'password', 'keylen', 'cost', 'blockSize', 'parallelization'],
  recognises: (stored) => stored.startsWith('$scrypt$'),
  fromAuth0(custom) {
    const hash = decodeBytes(custom.hash.value, hashEncoding(custom, ['hex', 'base64'], true), 'hash.value');
    if (!custom.salt) throw new HashFormatError('salt', 'required for algorithm scrypt');
    if (custom.salt.position === 'suffix') throw new HashFormatError('salt.position', 'scrypt takes the salt as its own input, not before or after the password');
    if (custom.keylen === undefined) throw new HashFormatError('keylen', 'required for algorithm scrypt');
    if (custom.keylen !== hash.length) throw new HashFormatError('keylen', `the hash is ${hash.length} bytes, but keylen is ${custom.keylen}`);
    const { cost = 16_384, blockSize = 8, parallelization = 1 } = custom;
    const ln = Math.log2(cost);
    if (!(Number.isInteger(ln) && ln >= 1)) throw new HashFormatError('cost', 'must be a power of two greater than 1');
    if (!costOf(intParam(String(ln), 1, 32), intParam(String(blockSize), 1, 64), intParam(String(parallelization), 1, 16))) {
      throw new HashFormatError('cost, blockSize, parallelization', 'at most 128 MiB (128 × cost × blockSize bytes), blockSize up to 64, parallelization up to 16');
    }
    const salt = decodeBytes(custom.salt.value, custom.salt.encoding, 'salt.value');
    return formatPhc({ id: 'scrypt', params: { ln: String(ln), r: String(blockSize), p: String(parallelization), ...encParam(custom) }, salt, hash });
  },
  async verify(stored, password) {
    const phc = parsePhc(stored);
    const options = phc && costOf(intParam(phc.params.ln, 1, 32), intParam(phc.params.r, 1, 64), intParam(phc.params.p, 1, 16));
    if (phc?.id !== 'scrypt' || !options) return false;
    return matchesDerivedKey(phc.hash, () => scryptAsync(passwordBytes(password, phc.params.enc), phc.salt, phc.hash.length, options));
  },
};
