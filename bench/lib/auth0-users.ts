/**
 * A users file in Auth0's bulk import format, as large as asked, for the import benchmark. Every user has a
 * custom_password_hash of a realistic shape, the algorithms mixed; the hash bytes are random, since an import
 * stores hashes without verifying them (and making 100,000 real bcrypt hashes would take hours).
 */
import { randomBytes } from 'node:crypto';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64').replace(/=+$/, '');
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const bcryptChars = (n: number) => Array.from(randomBytes(n), (byte) => BCRYPT_ALPHABET[byte % 64]).join('');

const SHAPES = [
  () => ({ algorithm: 'bcrypt', hash: { value: `$2b$10$${bcryptChars(53)}` } }),
  () => ({ algorithm: 'argon2', hash: { value: `$argon2id$v=19$m=65536,t=3,p=4$${b64(16)}$${b64(32)}` } }),
  () => ({ algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha256$i=600000,l=32$${b64(16)}$${b64(32)}`, encoding: 'utf8' } }),
  () => ({ algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha512$i=210000,l=64$${b64(16)}$${b64(64)}` } }),
  () => ({ algorithm: 'scrypt', hash: { value: randomBytes(32).toString('hex'), encoding: 'hex' }, salt: { value: randomBytes(16).toString('hex'), encoding: 'hex' }, keylen: 32, cost: 16384 }),
  () => ({ algorithm: 'sha256', hash: { value: randomBytes(32).toString('hex'), encoding: 'hex' }, salt: { value: b64(12), position: 'prefix' } }),
  () => ({ algorithm: 'sha512', hash: { value: randomBytes(64).toString('base64'), encoding: 'base64' }, salt: { value: b64(12), position: 'suffix' } }),
];

export function auth0UsersJson(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({
      email: `user${i}@bench.example`, email_verified: i % 3 !== 0, username: `user${i}`,
      given_name: 'Bench', family_name: `User ${i}`, name: `Bench User ${i}`, nickname: `u${i}`,
      app_metadata: { plan: i % 10 === 0 ? 'pro' : 'free', roles: ['reader'] }, user_metadata: { locale: 'en', theme: i % 2 ? 'dark' : 'light' },
      custom_password_hash: SHAPES[i % SHAPES.length]!(),
    }));
  }
  return `[\n${lines.join(',\n')}\n]\n`;
}
