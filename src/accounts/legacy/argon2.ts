/**
 * Imported argon2 hashes (argon2i, argon2d, argon2id; versions 0x10 and 0x13), stored as imported: PHC strings
 * that @node-rs/argon2 verifies as they are. Tollgate's own hashes are argon2id too; any with other parameters
 * than the configured ones is replaced after the next successful login.
 */
import { verify } from '@node-rs/argon2';
import { safely, type LegacyAlgorithm } from './algorithm.ts';
import { hashEncoding } from './auth0-shape.ts';
import { HashFormatError } from './encoding.ts';
import { intParam } from './phc.ts';

const ARGON2 = /^\$argon2(?:id|i|d)\$(?:v=(?:16|19)\$)?m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{6,}$/;
/** 256 MiB per verification, four at once on the thread pool: the most an imported hash may ask for. */
export const MAX_ARGON2_MEMORY_KIB = 262_144;

export const argon2: LegacyAlgorithm = {
  names: ['argon2'],
  fields: ['hash.encoding'],
  recognises: (stored) => stored.startsWith('$argon2'),
  fromAuth0(custom) {
    hashEncoding(custom, ['utf8']);
    const [, m, t, p] = ARGON2.exec(custom.hash.value) ?? [];
    if (intParam(m, 8, MAX_ARGON2_MEMORY_KIB) === undefined || intParam(t, 1, 32) === undefined || intParam(p, 1, 16) === undefined) {
      throw new HashFormatError('hash.value', `not an argon2 PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash; m up to ${MAX_ARGON2_MEMORY_KIB}, t up to 32, p up to 16)`);
    }
    return custom.hash.value;
  },
  verify: (stored, password) => safely(() => verify(stored, password)),
};
