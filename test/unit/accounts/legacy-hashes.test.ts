/**
 * Imported hash algorithms: each is verified against vectors published with the algorithm (RFCs, FIPS, the
 * reference implementations, Auth0's documentation) and against hashes a real implementation makes in the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';
import bcryptjs from 'bcryptjs';

const bcryptHash = (password: string, cost: number) => bcryptjs.hash(password, cost);
import { hash as argon2Hash } from '@node-rs/argon2';
import { storedHashFromAuth0, verifyStoredHash } from '../../../src/accounts/legacy/registry.ts';
import { customPasswordHashSchema } from '../../../src/accounts/legacy/auth0-shape.ts';
import { argon2Hasher } from '../../../src/accounts/passwords.ts';

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** Auth0's custom_password_hash as it arrives (defaults applied by the schema), converted to Tollgate's stored form. */
function imported(custom: unknown): string {
  return storedHashFromAuth0(customPasswordHashSchema.parse(custom));
}

function refused(custom: unknown, message: RegExp): void {
  assert.throws(() => imported(custom), message);
}

async function verifies(stored: string, password: string, wrong = `${password}x`): Promise<void> {
  assert.equal(await verifyStoredHash(stored, password), true, `${stored} verifies ${password}`);
  assert.equal(await verifyStoredHash(stored, wrong), false, `${stored} refuses ${wrong}`);
}

test('bcrypt: Auth0\'s documented vector ("hello", $2b$, cost 10), crypt_blowfish\'s $2a$ vector, and $2y$ from a real hash', async () => {
  await verifies(imported({ algorithm: 'bcrypt', hash: { value: '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K' } }), 'hello');
  await verifies(imported({ algorithm: 'bcrypt', hash: { value: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', encoding: 'utf8' } }), 'U*U');
  // $2y$ (PHP) is $2b$ under another name: for any password the two produce the same hash.
  const made = await bcryptHash('correct horse', 4);
  await verifies(imported({ algorithm: 'bcrypt', hash: { value: made.replace(/^\$2b\$/, '$2y$') } }), 'correct horse');
});

test('bcrypt: only the first 72 bytes count, as when the hash was made', async () => {
  const made = await bcryptHash('a'.repeat(72), 4);
  assert.equal(await verifyStoredHash(made, 'a'.repeat(100)), true);
});

test('bcrypt: other prefixes, costs above 16, salts and non-utf8 encodings are refused, naming the field', () => {
  const value = '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K';
  refused({ algorithm: 'bcrypt', hash: { value: value.replace('$2b$', '$2x$') } }, /^HashFormatError: hash\.value: not a bcrypt hash/);
  refused({ algorithm: 'bcrypt', hash: { value: value.replace('$10$', '$17$') } }, /hash\.value: not a bcrypt hash \(.*cost 4 to 16/);
  refused({ algorithm: 'bcrypt', hash: { value: value.slice(0, -1) } }, /hash\.value: not a bcrypt hash/);
  refused({ algorithm: 'bcrypt', hash: { value }, salt: { value: 'pepper' } }, /^HashFormatError: salt: not used by algorithm bcrypt$/);
  refused({ algorithm: 'bcrypt', hash: { value, encoding: 'base64' } }, /^HashFormatError: hash\.encoding: must be utf8 for algorithm bcrypt$/);
  refused({ algorithm: 'bcrypt', hash: { value }, password: { encoding: 'latin1' } }, /^HashFormatError: password: not used by algorithm bcrypt$/);
  // Saying utf8 is saying what bcrypt assumes anyway.
  assert.equal(imported({ algorithm: 'bcrypt', hash: { value }, password: { encoding: 'utf8' } }), value);
});

test('argon2: the reference implementation\'s argon2i vector; argon2d and argon2id made by a real implementation', async () => {
  // phc-winner-argon2 README: echo -n "password" | ./argon2 somesalt -t 2 -m 16 -p 4 -l 24
  await verifies(imported({ algorithm: 'argon2', hash: { value: '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG' } }), 'password');
  for (const algorithm of [0, 2]) {
    const made = await argon2Hash('hunter2', { algorithm, memoryCost: 64, timeCost: 1, parallelism: 1 });
    assert.equal(imported({ algorithm: 'argon2', hash: { value: made, encoding: 'utf8' } }), made, 'stored as imported');
    await verifies(made, 'hunter2');
  }
});

test('argon2: Auth0\'s documented shape imports as it is; parameters beyond the bounds and other strings are refused', () => {
  const auth0 = '$argon2id$v=19$m=65536,t=2,p=1$J6Q/82PCyaNpYKRELJyTZg$m04qUAB8rexWDR4+/0f+SFB+4XMFxt7YAvAq2UycYos';
  assert.equal(imported({ algorithm: 'argon2', hash: { value: auth0 } }), auth0);
  refused({ algorithm: 'argon2', hash: { value: auth0.replace('m=65536', 'm=524288') } }, /hash\.value: not an argon2 PHC string/);
  refused({ algorithm: 'argon2', hash: { value: auth0.replace('t=2', 't=33') } }, /hash\.value: not an argon2 PHC string/);
  refused({ algorithm: 'argon2', hash: { value: '$argon2x$v=19$m=65536,t=2,p=1$J6Q/82PCyaNpYKRELJyTZg$m04qUAB8rexWDR4' } }, /not an argon2 PHC string/);
  refused({ algorithm: 'argon2', hash: { value: auth0 }, salt: { value: 'x' } }, /^HashFormatError: salt: not used by algorithm argon2$/);
});

test('pbkdf2: RFC 7914 §11\'s PBKDF2-HMAC-SHA256 vector and the PBKDF2-HMAC-SHA512 one, as PHC strings', async () => {
  const sha256 = Buffer.from('55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783', 'hex');
  await verifies(imported({ algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha256$i=1,l=64$${b64(Buffer.from('salt'))}$${b64(sha256)}` } }), 'passwd');
  const sha512 = Buffer.from('867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce', 'hex');
  await verifies(imported({ algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha512$i=1,l=64$${b64(Buffer.from('salt'))}$${b64(sha512)}`, encoding: 'utf8' } }), 'password');
});

test('pbkdf2: i and l default to Auth0\'s 100000 and 64 and are written out; enc records a non-UTF-8 password', async () => {
  const salt = Buffer.from('0123456789abcdef');
  const key = pbkdf2Sync('s3cret', salt, 100_000, 64, 'sha256');
  const stored = imported({ algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha256$$${b64(salt)}$${b64(key)}` } });
  assert.equal(stored, `$pbkdf2-sha256$i=100000,l=64$${b64(salt)}$${b64(key)}`);
  await verifies(stored, 's3cret');
  const latin1 = pbkdf2Sync(Buffer.from('café', 'latin1'), salt, 1000, 32, 'sha512');
  const withEnc = imported({ algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha512$i=1000,l=32$${b64(salt)}$${b64(latin1)}` }, password: { encoding: 'latin1' } });
  assert.equal(withEnc, `$pbkdf2-sha512$i=1000,l=32,enc=latin1$${b64(salt)}$${b64(latin1)}`);
  await verifies(withEnc, 'café', 'cafe');
});

test('pbkdf2: other digests, a length that is not l, too many iterations and malformed strings are refused', () => {
  const auth0md4 = '$pbkdf2-md4$i=100000,l=64$+N375B8q0Fw$fp2R9KAM4hK/votGHC5Fu+jhqbxUD8+Nic/EMSGvNC3UP/k7wSHI0uXluHRSkZfl/BOheYqNOemayG90ZaSSQw';
  refused({ algorithm: 'pbkdf2', hash: { value: auth0md4, encoding: 'utf8' } }, /^HashFormatError: hash\.value: unsupported digest md4 \(supported: sha256, sha512\)$/);
  const auth0sha512 = '$pbkdf2-sha512$i=100000,l=64$KNyFsA2rWoE$I2CQGI9H0JxdDf3kERRI97kPCGxh0KWBIV3MxyaS191gDGfzVBGyS4BibhgqWQ0/ails8mHuU9ckASxHOOq58w';
  assert.equal(imported({ algorithm: 'pbkdf2', hash: { value: auth0sha512 } }), auth0sha512, 'Auth0\'s documented example');
  refused({ algorithm: 'pbkdf2', hash: { value: auth0sha512.replace('l=64', 'l=32') } }, /the hash is 64 bytes, but l is 32/);
  refused({ algorithm: 'pbkdf2', hash: { value: auth0sha512.replace('i=100000', 'i=5000001') } }, /i must be from 1 to 5000000/);
  refused({ algorithm: 'pbkdf2', hash: { value: auth0sha512.replace('i=100000', 'x=1') } }, /unknown parameter x/);
  refused({ algorithm: 'pbkdf2', hash: { value: auth0sha512.replace('KNyFsA2rWoE', 'KNy%sA2rWoE') } }, /not a PHC string/);
  refused({ algorithm: 'pbkdf2', hash: { value: 'pbkdf2-sha512' } }, /not a PHC string/);
});

test('scrypt: Auth0\'s documented vector and RFC 7914 §12\'s; stored as a PHC string', async () => {
  const auth0 = imported({
    algorithm: 'scrypt', hash: { value: '097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29', encoding: 'hex' },
    salt: { value: 'abc123', encoding: 'utf8' }, keylen: 32, cost: 4096,
  });
  assert.match(auth0, /^\$scrypt\$ln=12,r=8,p=1\$YWJjMTIz\$[A-Za-z0-9+/]{43}$/);
  await verifies(auth0, 'password');
  const rfc = Buffer.from('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640', 'hex');
  await verifies(imported({
    algorithm: 'scrypt', hash: { value: rfc.toString('base64'), encoding: 'base64' }, salt: { value: b64(Buffer.from('NaCl')), encoding: 'base64' },
    keylen: 64, cost: 1024, blockSize: 8, parallelization: 16,
  }), 'password');
});

test('scrypt: a password hashed as UTF-16 verifies when password.encoding says so', async () => {
  const key = scryptSync(Buffer.from('pässword', 'utf16le'), Buffer.from('c0ffee', 'hex'), 16, { N: 1024 });
  await verifies(imported({
    algorithm: 'scrypt', hash: { value: key.toString('hex').toUpperCase(), encoding: 'hex' }, salt: { value: 'c0ffee', encoding: 'hex' },
    keylen: 16, cost: 1024, password: { encoding: 'ucs2' },
  }), 'pässword', 'password');
});

test('scrypt: keylen and salt are required; cost must be a power of two; memory is bounded', () => {
  const base = { algorithm: 'scrypt', hash: { value: '00112233', encoding: 'hex' }, salt: { value: 'abc' }, keylen: 4 };
  imported(base);
  refused({ ...base, keylen: undefined }, /^HashFormatError: keylen: required for algorithm scrypt$/);
  refused({ ...base, keylen: 8 }, /keylen: the hash is 4 bytes, but keylen is 8/);
  refused({ ...base, salt: undefined }, /^HashFormatError: salt: required for algorithm scrypt$/);
  refused({ ...base, cost: 1000 }, /cost: must be a power of two greater than 1/);
  refused({ ...base, cost: 1 }, /cost: must be a power of two greater than 1/);
  refused({ ...base, cost: 2 ** 20, blockSize: 8 }, /at most 128 MiB/);
  refused({ ...base, salt: { value: 'abc', position: 'suffix' } }, /salt\.position: scrypt takes the salt as its own input/);
  refused({ ...base, hash: { value: '0011223', encoding: 'hex' } }, /^HashFormatError: hash\.value: not valid hex$/);
  refused({ ...base, hash: { value: '00112233' } }, /hash\.encoding: must be hex or base64 for algorithm scrypt/);
});

test('sha256 and sha512: FIPS 180-2\'s "abc" vectors, unsalted and split into a salt before or after the password', async () => {
  const abc256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  const abc512 = 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';
  await verifies(imported({ algorithm: 'sha256', hash: { value: abc256, encoding: 'hex' } }), 'abc');
  await verifies(imported({ algorithm: 'sha256', hash: { value: abc256.toUpperCase(), encoding: 'hex' }, salt: { value: 'a', position: 'prefix' } }), 'bc');
  await verifies(imported({ algorithm: 'sha256', hash: { value: abc256, encoding: 'hex' }, salt: { value: 'a' } }), 'bc', 'ab');
  await verifies(imported({ algorithm: 'sha512', hash: { value: abc512, encoding: 'hex' }, salt: { value: '63', encoding: 'hex', position: 'suffix' } }), 'ab', 'bc');
  const base64url = Buffer.from(abc512, 'hex').toString('base64url');
  await verifies(imported({ algorithm: 'sha512', hash: { value: base64url, encoding: 'base64' }, salt: { value: 'YQ==', encoding: 'base64' } }), 'bc');
});

test('sha256: a hash made here with a binary salt and a latin1 password; the stored form names position and encoding', async () => {
  const salt = Buffer.from([0, 255, 16, 32]);
  const digest = createHash('sha256').update(Buffer.concat([Buffer.from('naïve', 'latin1'), salt])).digest('base64');
  const stored = imported({ algorithm: 'sha256', hash: { value: digest, encoding: 'base64' }, salt: { value: salt.toString('hex'), encoding: 'hex', position: 'suffix' }, password: { encoding: 'binary' } });
  assert.equal(stored, `$sha256$pos=suffix,enc=latin1$${b64(salt)}$${digest.replace(/=+$/, '')}`);
  await verifies(stored, 'naïve', 'naive');
});

test('sha256 and sha512: a hash of the wrong length, utf8 hash encoding and fields they do not use are refused', () => {
  refused({ algorithm: 'sha512', hash: { value: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', encoding: 'hex' } }, /a sha512 hash is 64 bytes, this one 32/);
  refused({ algorithm: 'sha256', hash: { value: 'x', encoding: 'utf8' } }, /hash\.encoding: must be hex or base64/);
  refused({ algorithm: 'sha256', hash: { value: 'ab', encoding: 'hex' }, keylen: 32 }, /^HashFormatError: keylen: not used by algorithm sha256$/);
  refused({ algorithm: 'sha256', hash: { value: 'ab', encoding: 'base64' } }, /a sha256 hash is 32 bytes, this one 1/);
  refused({ algorithm: 'sha256', hash: { value: 'a*b=', encoding: 'base64' } }, /^HashFormatError: hash\.value: not valid base64$/);
});

test('Auth0 algorithms Tollgate does not import (md4, md5, sha1, hmac, ldap) are refused by name', () => {
  for (const algorithm of ['md4', 'md5', 'sha1', 'hmac', 'ldap', 'crypt']) {
    refused({ algorithm, hash: { value: 'AbuUujgF0pPPkJPSFRTpmA==', encoding: 'base64' } },
      new RegExp(`^HashFormatError: algorithm: "${algorithm}" is not supported \\(supported: argon2, bcrypt, pbkdf2, scrypt, sha256, sha512\\)$`));
  }
});

test('verification never throws: unknown formats and damaged stored hashes are a failed match', async () => {
  for (const stored of ['', 'plain', '$sha256$pos=middle$$ungV', '$pbkdf2-sha1$i=1,l=20$c2FsdA$ungV', '$scrypt$ln=40,r=8,p=1$c2FsdA$ungV',
    '$2b$10$short', '$argon2id$v=19$m=65536,t=2,p=1$$', `$sha256$pos=prefix$$${'A'.repeat(43)}`]) {
    assert.equal(await verifyStoredHash(stored, 'password'), false, JSON.stringify(stored));
  }
});

test('argon2Hasher: verifies imported hashes and wants every one of them replaced; its own current hashes not', async () => {
  const hasher = argon2Hasher({ memory_cost: 64, time_cost: 1, parallelism: 1 });
  const own = await hasher.hash('pw');
  assert.equal(hasher.needsRehash(own), false);
  assert.equal(await hasher.verify(own, 'pw'), true);
  const older = await argon2Hash('pw', { algorithm: 2, memoryCost: 128, timeCost: 1, parallelism: 1 });
  const legacy = imported({ algorithm: 'sha256', hash: { value: createHash('sha256').update('pw').digest('hex'), encoding: 'hex' } });
  for (const stored of [older, legacy, await bcryptHash('pw', 4)]) {
    assert.equal(hasher.needsRehash(stored), true, stored);
    assert.equal(await hasher.verify(stored, 'pw'), true, stored);
    assert.equal(await hasher.verify(stored, 'PW'), false, stored);
  }
});
