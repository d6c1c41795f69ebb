/** `tollgate keys list|rotate|revoke` on a SQLite file whose keys a node made, as an operator runs them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { ensureSigningKeys } from '../../src/keys/lifecycle.ts';
import type { KeyState, SigningKeyRecord } from '../../src/model/keys.ts';
import { configFile, databaseOf, tollgate } from '../helpers/cli.ts';

const iso = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/.source;

/** A configuration signing with ES256, whose store has the current and next keys a node makes at its first start. */
async function withKeys(): Promise<string> {
  const file = configFile('tokens: { signing_alg: ES256 }\n');
  const store = openSqlite(`sqlite:${databaseOf(file)}`);
  try {
    await ensureSigningKeys(store, ['ES256'], Math.floor(Date.now() / 1000));
  } finally {
    await store.close();
  }
  return file;
}

async function listed(file: string): Promise<Omit<SigningKeyRecord, 'private_jwk' | 'public_jwk'>[]> {
  const run = await tollgate(['keys', 'list', '--config', file, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const kidIn = (keys: { kid: string; state: KeyState }[], state: KeyState) => keys.find((k) => k.state === state)?.kid;

test('keys list: one key per line with its algorithm, state and times; --json has no key material', async () => {
  const file = await withKeys();
  const [human, json] = await Promise.all([tollgate(['keys', 'list', '--config', file]), tollgate(['keys', 'list', '--config', file, '--json'])]);
  assert.equal(human.code, 0, human.stderr);
  const lines = human.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[0], 'kid\talg\tstate\tcreated\tactivated\tretired\trevoked');
  assert.match(lines.find((l) => l.includes('\tcurrent\t'))!, new RegExp(`^[\\w-]{43}\\tES256\\tcurrent\\t${iso}\\t${iso}\\t-\\t-$`));
  assert.match(lines.find((l) => l.includes('\tnext\t'))!, new RegExp(`^[\\w-]{43}\\tES256\\tnext\\t${iso}\\t-\\t-\\t-$`));
  const keys = JSON.parse(json.stdout) as Record<string, unknown>[];
  assert.deepEqual(keys.map((k) => Object.keys(k).sort()), Array(2).fill(['activated_at', 'alg', 'created_at', 'kid', 'retired_at', 'revoked_at', 'state']));
  assert.ok(!json.stdout.includes('"d"') && !human.stdout.includes('"d"'), 'no private part');

  const empty = await tollgate(['keys', 'list', '--config', configFile()]);
  assert.equal(empty.stdout, 'no signing keys (a node makes them when it starts)\n');
});

test('keys rotate: the next key becomes current, the current one previous, a new one next; an audit event records it', async () => {
  const file = await withKeys();
  const before = await listed(file);
  const run = await tollgate(['keys', 'rotate', '--config', file]);
  assert.equal(run.code, 0, run.stderr);
  const after = await listed(file);
  const next = kidIn(before, 'next')!;
  assert.match(run.stdout, new RegExp(`^rotated ES256: ${next} is current, .*; ${kidIn(after, 'next')} is next\\n.*within keys.cache_ttl \\(60 s\\)\\n$`));
  assert.equal(kidIn(after, 'current'), next);
  assert.equal(kidIn(after, 'previous'), kidIn(before, 'current'));
  assert.equal(after.length, 3);
  const logs = await tollgate(['logs', '--config', file, '--type', 'key.rotated', '--json']);
  assert.deepEqual((JSON.parse(logs.stdout) as Record<string, unknown>[]).map((e) => [e.type, e.outcome, e.reason]), [['key.rotated', 'success', next]]);
});

test('keys rotate: an unknown --alg exits 2; an algorithm without keys exits 1', async () => {
  const file = await withKeys();
  const unknown = await tollgate(['keys', 'rotate', '--config', file, '--alg', 'HS256']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--alg: unknown signing algorithm "HS256" \(one of: RS256, PS256, ES256, EdDSA\)/);
  const unused = await tollgate(['keys', 'rotate', '--config', file, '--alg', 'RS256']);
  assert.equal(unused.code, 1);
  assert.match(unused.stderr, /no current RS256 key to rotate/);
  assert.equal((await listed(file)).length, 2, 'nothing changed');
});

test('keys revoke: a previous key is revoked and logged; the current key is refused with the way out; a next key is replaced', async () => {
  const file = await withKeys();
  assert.equal((await tollgate(['keys', 'rotate', '--config', file])).code, 0);
  const keys = await listed(file);
  const [current, previous, next] = [kidIn(keys, 'current')!, kidIn(keys, 'previous')!, kidIn(keys, 'next')!];

  const refused = await tollgate(['keys', 'revoke', '--config', file, '--', current]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`${current} is the current ES256 key and signs new tokens, so it cannot be revoked\\. Run "tollgate keys rotate --alg ES256" first`));

  const revoked = await tollgate(['keys', 'revoke', '--config', file, '--', previous]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, new RegExp(`^revoked ${previous} \\(previous ES256 key\\): every node stops publishing it and rejects the tokens it signed`));
  assert.equal(kidIn(await listed(file), 'revoked'), previous);
  assert.match((await tollgate(['keys', 'revoke', '--config', file, '--', previous])).stdout, /already revoked/);

  const replaced = await tollgate(['keys', 'revoke', '--config', file, '--', next]);
  assert.equal(replaced.code, 0, replaced.stderr);
  const after = await listed(file);
  const newNext = kidIn(after, 'next')!;
  assert.ok(newNext && newNext !== next);
  assert.match(replaced.stdout, new RegExp(`${newNext} is the new next key\\n$`));
  assert.deepEqual(after.filter((k) => k.state === 'revoked').map((k) => k.kid).sort(), [previous, next].sort());

  const logs = await tollgate(['logs', '--config', file, '--type', 'key.revoked', '--json']);
  assert.deepEqual((JSON.parse(logs.stdout) as Record<string, unknown>[]).map((e) => e.reason).sort(), [previous, next].sort());
});

test('keys revoke: an unknown kid exits 1; no kid, two kids or an unknown subcommand exit 2', async () => {
  const file = await withKeys();
  const unknown = await tollgate(['keys', 'revoke', 'no-such-kid', '--config', file]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no signing key "no-such-kid"/);
  assert.equal((await tollgate(['keys', 'revoke', '--config', file])).code, 2);
  assert.equal((await tollgate(['keys', 'revoke', 'a', 'b', '--config', file])).code, 2);
  assert.equal((await tollgate(['keys', 'frobnicate'])).code, 2);
  // Thumbprints are base64url, so one in 64 kids starts with "-": after "--" it is a KID, before it an unknown option.
  const dashed = await tollgate(['keys', 'revoke', '--config', file, '-Gq0']);
  assert.equal(dashed.code, 2);
  assert.match(dashed.stderr, /place it at the end of the command after '--'/);
  assert.match((await tollgate(['keys', 'revoke', '--config', file, '--', '-Gq0'])).stderr, /no signing key "-Gq0"/);
  const help = await tollgate(['keys', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /tollgate keys revoke \[--config FILE\] \[--\] KID/);
});
