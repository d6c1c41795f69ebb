import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox, secretBoxFor } from '../../../src/mfa/secret-box.ts';
import { totpCode, totpStep, totpStepExpiry } from '../../../src/mfa/totp.ts';
import { maskAddress, normalizeRecoveryCode } from '../../../src/mfa/codes.ts';

const K1 = 'k1-0123456789abcdefghijklmnopqrstuvwxyz';
const K2 = 'k2-0123456789abcdefghijklmnopqrstuvwxyz';

test('SecretBox: sealed values open with the key that sealed them, also after a rotation; altered or moved ones do not', () => {
  const old = new SecretBox([K1]);
  const sealed = old.seal('JBSWY3DPEHPK3PXP', 'totp|dev_1');
  assert.notEqual(old.seal('JBSWY3DPEHPK3PXP', 'totp|dev_1'), sealed, 'a fresh IV each time');
  const rotated = new SecretBox([K2, K1]);
  assert.equal(rotated.open(sealed, 'totp|dev_1'), 'JBSWY3DPEHPK3PXP');
  assert.ok(rotated.seal('x', 'c').split('.')[1] !== sealed.split('.')[1], 'new values are sealed with the first key');
  assert.throws(() => rotated.open(sealed, 'totp|dev_2'), 'bound to its record');
  assert.throws(() => new SecretBox([K2]).open(sealed, 'totp|dev_1'), /unknown key/);
  const [v, id, iv, body] = sealed.split('.');
  // The first character: all six of its bits are ciphertext (the last one's may be padding only).
  const flipped = `${v}.${id}.${iv}.${body!.startsWith('A') ? 'B' : 'A'}${body!.slice(1)}`;
  assert.throws(() => old.open(flipped, 'totp|dev_1'));
});

test('SecretBox: the MAC depends on the key and the context', () => {
  const box = new SecretBox([K1]);
  assert.equal(box.mac('123456', 'a'), box.mac('123456', 'a'));
  assert.notEqual(box.mac('123456', 'a'), box.mac('123456', 'b'));
  assert.notEqual(box.mac('123456', 'a'), new SecretBox([K2]).mac('123456', 'a'));
});

test('secretBoxFor: configured keys; a key file (mode 0600) beside a SQLite file, the same on every open; none for PostgreSQL without keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-box-'));
  const storage = `sqlite:${join(dir, 'db.sqlite')}`;
  const sealed = secretBoxFor({ storage, mfa: {} })!.seal('secret', 'c');
  assert.equal(secretBoxFor({ storage, mfa: {} })!.open(sealed, 'c'), 'secret');
  assert.equal(statSync(join(dir, 'db.sqlite.mfa-key')).mode & 0o777, 0o600);
  assert.equal(secretBoxFor({ storage: 'postgres://db/x', mfa: {} }), undefined);
  assert.ok(secretBoxFor({ storage: 'postgres://db/x', mfa: { encryption_keys: [K1] } }));
});

test('TOTP (RFC 6238 Appendix B vector, 6 digits): the step matched, one step of drift either way, nothing further', () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
  assert.equal(totpCode(secret, 59), '287082');
  assert.equal(totpStep(secret, '287082', 59), 1);
  assert.equal(totpStep(secret, '287082', 89), 1, 'one step late');
  assert.equal(totpStep(secret, '287082', 29), 1, 'one step early');
  assert.equal(totpStep(secret, '287082', 120), undefined);
  assert.equal(totpStep(secret, '28708', 59), undefined);
  assert.equal(totpStepExpiry(1), 90);
});

test('codes: recovery codes are normalised from what people type; addresses are masked', () => {
  assert.equal(normalizeRecoveryCode('abcd-efgh ijkl'), 'ABCDEFGHIJKL');
  assert.equal(maskAddress('alice@example.com', 'email'), 'a***@e***.com');
  assert.equal(maskAddress('+14155550100', 'sms'), '+1******0100');
});
