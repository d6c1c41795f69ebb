/** Opaque tokens from the pooled CSPRNG output, and their SHA-256 lookup keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newOpaqueToken, randomBase64url, tokenHash } from '../../../src/tokens/opaque.ts';

test('tokens: 256 bits each, never repeated across many refills of the pool', () => {
  const tokens = Array.from({ length: 2000 }, () => newOpaqueToken());
  assert.ok(tokens.every((t) => /^[A-Za-z0-9_-]{43}$/.test(t)));
  assert.equal(new Set(tokens).size, tokens.length);
  const ids = Array.from({ length: 500 }, () => randomBase64url(16));
  assert.ok(ids.every((id) => id.length === 22));
  assert.equal(new Set(ids).size, ids.length);
});

test('tokenHash: SHA-256, base64url (FIPS 180-2 "abc" vector)', () => {
  assert.equal(tokenHash('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});
