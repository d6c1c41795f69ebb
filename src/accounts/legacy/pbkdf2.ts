/**
 * PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-256 or HMAC-SHA-512, through node:crypto on the libuv thread pool. Auth0
 * takes it as a PHC string, `$pbkdf2-sha512$i=100000,l=64$salt$hash`, and so is it stored, with i and l always
 * written out (Auth0's defaults when they are missing: i=100000, l=64) and `enc` when the password was not UTF-8.
 */
import { pbkdf2 as deriveKey } from 'node:crypto';
import { promisify } from 'node:util';
import type { LegacyAlgorithm } from './algorithm.ts';
import { encParam, hashEncoding } from './auth0-shape.ts';
import { HashFormatError, passwordBytes } from './encoding.ts';
import { matchesDerivedKey } from './derived-key.ts';
import { formatPhc, intParam, parsePhc } from './phc.ts';

const pbkdf2Async = promisify(deriveKey);
const DIGESTS = ['sha256', 'sha512'] as const;
/** Five million rounds is seconds of CPU per login; more would let one imported user tie up the thread pool. */
export const MAX_PBKDF2_ITERATIONS = 5_000_000;

function digestOf(id: string): string | undefined {
  return DIGESTS.find((d) => id === `pbkdf2-${d}`);
}

export const pbkdf2: LegacyAlgorithm = {
  names: ['pbkdf2'],
  fields: ['hash.encoding', 'password'],
  recognises: (stored) => stored.startsWith('$pbkdf2-'),
  fromAuth0(custom) {
    hashEncoding(custom, ['utf8']);
    const phc = parsePhc(custom.hash.value);
    if (!phc?.id.startsWith('pbkdf2-')) throw new HashFormatError('hash.value', 'not a PHC string ($pbkdf2-sha512$i=...,l=...$salt$hash)');
    if (!digestOf(phc.id)) throw new HashFormatError('hash.value', `unsupported digest ${phc.id.slice('pbkdf2-'.length)} (supported: ${DIGESTS.join(', ')})`);
    const { i = '100000', l = '64', ...others } = phc.params;
    const unknown = Object.keys(others);
    if (unknown.length > 0) throw new HashFormatError('hash.value', `unknown parameter ${unknown[0]}`);
    if (intParam(i, 1, MAX_PBKDF2_ITERATIONS) === undefined) throw new HashFormatError('hash.value', `i must be from 1 to ${MAX_PBKDF2_ITERATIONS}`);
    if (Number(l) !== phc.hash.length) throw new HashFormatError('hash.value', `the hash is ${phc.hash.length} bytes, but l is ${l}`);
    if (phc.salt.length === 0) throw new HashFormatError('hash.value', 'the salt is empty');
    return formatPhc({ ...phc, params: { i, l, ...encParam(custom) } });
  },
  async verify(stored, password) {
    const phc = parsePhc(stored);
    const digest = phc && digestOf(phc.id);
    const iterations = intParam(phc?.params.i, 1, MAX_PBKDF2_ITERATIONS);
    if (!phc || !digest || iterations === undefined) return false;
    return matchesDerivedKey(phc.hash, () => pbkdf2Async(passwordBytes(password, phc.params.enc), phc.salt, iterations, phc.hash.length, digest));
  },
};
