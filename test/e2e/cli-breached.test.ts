/**
 * Breached password detection from the command line: `tollgate users add`, `set-password` and `import` refuse a
 * leaked password (method file, the list beside the configuration and named relative to it), and nothing stored changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '@node-rs/argon2';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { configFile, databaseOf, tollgate } from '../helpers/cli.ts';
import { secretForms, writeLeakedList } from '../helpers/breached.ts';

const LEAKED = 'Leaked-Walrus-Banjo-77';
const CLEAN = 'cobalt-Harbor-55';
const REFUSAL = 'password: is part of a known breached password dataset (attack_protection.breached_password_detection)';

test('users add, set-password and import refuse a leaked password; what is stored stays as it was', async () => {
  const config = configFile('attack_protection: { breached_password_detection: { enabled: true, method: file, file: ./pwned-sha1.txt } }\n');
  const list = writeLeakedList({ [LEAKED]: 4 }, 500, dirname(config));
  const at = ['--config', config];

  const refused = await tollgate(['users', 'add', ...at, '--connection', 'customers', '--username', 'carol', '--password-stdin'], LEAKED);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /"msg":"building the index of the breached password list \(minutes for the full list\): waiting for it"}\n/);
  assert.ok(refused.stderr.endsWith(`\ntollgate: ${REFUSAL}\n`), refused.stderr);
  assert.ok(existsSync(`${list}.tgidx`), 'the command built the index beside the list, and waited for it');
  const added = await tollgate(['users', 'add', ...at, '--connection', 'customers', '--username', 'carol', '--password-stdin'], CLEAN);
  assert.equal(added.code, 0, added.stderr);

  const change = await tollgate(['users', 'set-password', 'customers/carol', ...at, '--password-stdin'], LEAKED);
  assert.deepEqual([change.code, change.stderr], [1, `tollgate: ${REFUSAL}\n`]);

  const users = join(dirname(config), 'users.json');
  writeFileSync(users, JSON.stringify([{ username: 'dave', password: LEAKED }, { username: 'zed', password: CLEAN }]));
  const imported = await tollgate(['users', 'import', users, '--connection', 'customers', ...at]);
  assert.equal(imported.code, 1);
  assert.equal(imported.stderr, `tollgate: ${users}: [0] line 1: ${REFUSAL}\n`);

  const store = openSqlite(`sqlite:${databaseOf(config)}`);
  try {
    const carol = await store.users.findUserByLogin('customers', 'carol');
    assert.ok(carol && (await verify(carol.password_hash, CLEAN)), 'carol keeps her password');
    assert.equal(await store.users.findUserByLogin('customers', 'dave'), undefined);
    assert.ok(await store.users.findUserByLogin('customers', 'zed'));
    const leaks = await store.events.listEvents({ type: 'pwd_leak', limit: 10 });
    assert.deepEqual(leaks.map((e) => e.reason).sort(), ['pre-change-password:block', 'pre-user-registration:block', 'pre-user-registration:block']);
    const everything = JSON.stringify(await store.events.listEvents({ limit: 100 })) + refused.stderr + change.stderr + imported.stderr + imported.stdout;
    for (const form of secretForms(LEAKED)) assert.ok(!everything.includes(form), `"${form}" was written`);
  } finally {
    await store.close();
  }
});

test('a list that is not sorted is refused with its line when a command needs it; the password passes (fail-open) and the command says so', async () => {
  const config = configFile('attack_protection: { breached_password_detection: { enabled: true, method: file, file: ./pwned-sha1.txt } }\n');
  writeFileSync(join(dirname(config), 'pwned-sha1.txt'), 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:1\n0000000000000000000000000000000000000000:2\n');
  const run = await tollgate(['users', 'add', '--config', config, '--connection', 'customers', '--username', 'erin', '--password-stdin'], CLEAN);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /breached password detection unavailable/);
  assert.match(run.stderr, /line 2: hashes are not in ascending order: use the list ordered by hash/);
});
