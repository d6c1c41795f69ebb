/**
 * One SHA-256 or SHA-512 of the password with an optional salt before or after it (Auth0's sha256 and sha512
 * algorithms). Fast hashes: such a user is upgraded to argon2id at the first successful login, and until then
 * verifying costs a decoy argon2id verification too (see ../passwords.ts). Stored as
 * `$sha256$pos=prefix$salt$hash` (salt possibly empty), plus `enc` when the password was not UTF-8.
 */
import { createHash } from 'node:crypto';
import type { LegacyAlgorithm } from './algorithm.ts';
import { encParam, hashEncoding } from './auth0-shape.ts';
import { HashFormatError, decodeBytes, passwordBytes } from './encoding.ts';
import { matchesDerivedKey } from './derived-key.ts';
import { formatPhc, parsePhc } from './phc.ts';

const LENGTHS: Record<string, number> = { sha256: 32, sha512: 64 };

export const saltedSha: LegacyAlgorithm = {
  names: ['sha256', 'sha512'],
  fields: ['hash.encoding', 'salt', 'password'],
  recognises: (stored) => stored.startsWith('$sha256$') || stored.startsWith('$sha512$'),
  fromAuth0(custom) {
    const hash = decodeBytes(custom.hash.value, hashEncoding(custom, ['hex', 'base64'], true), 'hash.value');
    if (hash.length !== LENGTHS[custom.algorithm]) throw new HashFormatError('hash.value', `a ${custom.algorithm} hash is ${LENGTHS[custom.algorithm]} bytes, this one ${hash.length}`);
    const salt = custom.salt ? decodeBytes(custom.salt.value, custom.salt.encoding, 'salt.value') : Buffer.alloc(0);
    return formatPhc({ id: custom.algorithm, params: { pos: custom.salt?.position ?? 'prefix', ...encParam(custom) }, salt, hash });
  },
  async verify(stored, password) {
    const phc = parsePhc(stored);
    const pos = phc?.params.pos;
    if (!phc || LENGTHS[phc.id] !== phc.hash.length || (pos !== 'prefix' && pos !== 'suffix')) return false;
    const bytes = passwordBytes(password, phc.params.enc);
    const input = pos === 'prefix' ? [phc.salt, bytes] : [bytes, phc.salt];
    return matchesDerivedKey(phc.hash, async () => createHash(phc.id).update(Buffer.concat(input)).digest());
  },
};
