/**
 * bcrypt ($2a$, $2b$, $2y$), verified by bcryptjs in its asynchronous mode, which works in slices that yield to
 * the event loop, so other requests go on during a verification. Stored as imported: the
 * modular crypt string already names its variant, cost and salt. Like every bcrypt, only the first 72 bytes of
 * the password count, as they did when the hash was made.
 */
import bcryptjs from 'bcryptjs';
import { safely, type LegacyAlgorithm } from './algorithm.ts';
import { hashEncoding } from './auth0-shape.ts';
import { HashFormatError } from './encoding.ts';

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** Cost 16 is about 5 s per verification here; anything above would let one imported user tie up the thread pool. */
export const MAX_BCRYPT_COST = 16;

export const bcrypt: LegacyAlgorithm = {
  names: ['bcrypt'],
  fields: ['hash.encoding'],
  recognises: (stored) => BCRYPT.test(stored),
  fromAuth0(custom) {
    hashEncoding(custom, ['utf8']);
    const cost = Number(BCRYPT.exec(custom.hash.value)?.[1]);
    if (!(cost >= 4 && cost <= MAX_BCRYPT_COST)) {
      throw new HashFormatError('hash.value', `not a bcrypt hash ($2a$, $2b$ or $2y$, cost 4 to ${MAX_BCRYPT_COST}, 22 characters of salt and 31 of hash)`);
    }
    return custom.hash.value;
  },
  verify: (stored, password) => safely(() => bcryptjs.compare(password, stored)),
};
