/** The file method: an index built beside a small generated list, looked up, reused, rebuilt, and a bad list refused. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import test from 'node:test';
import { FileList, indexPathOf } from '../../../src/breached/file-list.ts';
import { buildIndex, BreachListFormatError } from '../../../src/breached/index-build.ts';
import { BreachListUnavailableError, sha1Of } from '../../../src/breached/lookup.ts';
import { RECORDS_AT } from '../../../src/breached/index-format.ts';
import { listDir, sha1Hex, writeLeakedList } from '../../helpers/breached.ts';

const LEAKED = { 'password1': 2_427_158, 'correct horse battery staple': 5, 'Tr0ub4dor&3': 1 };

test('every listed hash is found with its count, an unlisted one is not; the index sits beside the list', async (t) => {
  const file = writeLeakedList(LEAKED, 5000, listDir(t));
  const list = new FileList({ file, waitForIndex: true });
  t.after(() => list.close());
  for (const [password, count] of Object.entries(LEAKED)) assert.equal(await list.count(sha1Of(password)), count, password);
  assert.equal(await list.count(sha1Of('not in the list 7d1f')), 0);
  // Every filler line too, so a bucket edge or an off-by-one in the search cannot hide.
  for (const line of readFileSync(file, 'utf8').trim().split('\r\n')) {
    const [hash, count] = line.split(':');
    assert.equal(await list.count(Buffer.from(hash!, 'hex')), Number(count), line);
  }
  assert.ok(existsSync(indexPathOf(file)));
  const lines = readFileSync(file, 'utf8').trim().split('\r\n').length;
  assert.equal(statSync(indexPathOf(file)).size, RECORDS_AT + lines * 10, 'a 4 MB bucket table, then 10 bytes a hash');
  assert.deepEqual(readdirSync(dirname(file)).sort(), ['pwned-sha1.txt', 'pwned-sha1.txt.tgidx'], 'no temporary file is left');
});

test('an index is reused while the list is unchanged, and rebuilt when a new list replaces it', async (t) => {
  const file = writeLeakedList(LEAKED, 100, listDir(t));
  let builds = 0;
  const open = async () => {
    const list = new FileList({ file, waitForIndex: true, onBuild: (e) => { if (e.phase === 'started') builds++; } });
    await list.prepare();
    return list;
  };
  await (await open()).close();
  await (await open()).close();
  assert.equal(builds, 1, 'the second start found the index current');
  writeLeakedList({ ...LEAKED, 'a later leak': 9 }, 100, dirname(file));
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const list = await open();
  assert.equal(builds, 2);
  assert.equal(await list.count(sha1Of('a later leak')), 9);
  await list.close();
});

test('a list not in ascending hash order is refused, naming the line; so is a list of another hash, and no index is left', async (t) => {
  const hashes = Array.from({ length: 5 }, () => randomBytes(20).toString('hex').toUpperCase()).sort();
  [hashes[2], hashes[3]] = [hashes[3]!, hashes[2]!];
  const file = writeLeakedList({}, 0, listDir(t));
  writeFileSync(file, hashes.map((h) => `${h}:1`).join('\n'));
  await assert.rejects(buildIndex(file, indexPathOf(file)), (err: Error) => {
    assert.ok(err instanceof BreachListFormatError);
    assert.match(err.message, /line 4: hashes are not in ascending order: use the list ordered by hash/);
    return true;
  });
  writeFileSync(file, `${hashes[0]}:1\n${hashes[0]}:2\n`);
  await assert.rejects(buildIndex(file, indexPathOf(file)), /line 2: hashes are not in ascending order/);
  writeFileSync(file, '8846F7EAEE8FB117AD06BDD830B7586C:3\n');
  await assert.rejects(buildIndex(file, indexPathOf(file)), /line 1: not "HASH:COUNT" with a 40-character SHA-1 \(is it the NTLM list\?\)/);
  writeFileSync(file, `${sha1Hex('x').slice(0, 39)}G:3\n`);
  await assert.rejects(buildIndex(file, indexPathOf(file)), /line 1: the hash is not hexadecimal/);
  assert.deepEqual(readdirSync(dirname(file)), ['pwned-sha1.txt']);
});

test('a node does not wait for the build: lookups fail open until the index is ready, then answer; lower-case LF lists work', async (t) => {
  const file = writeLeakedList(LEAKED, 20_000, listDir(t));
  writeFileSync(file, readFileSync(file, 'utf8').toLowerCase().replaceAll('\r\n', '\n'));
  const list = new FileList({ file, waitForIndex: false });
  t.after(() => list.close());
  await assert.rejects(list.count(sha1Of('password1')), (err: unknown) => err instanceof BreachListUnavailableError && err.code === 'index_not_ready');
  await list.prepare();
  assert.equal(await list.count(sha1Of('password1')), LEAKED.password1);
});

test('a list that cannot be indexed makes lookups unavailable (fail-open), and a fixed list is indexed at the next lookup', async (t) => {
  const file = writeLeakedList(LEAKED, 10, listDir(t));
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.split('\r\n').reverse().join('\r\n'));
  const failures: string[] = [];
  const list = new FileList({ file, waitForIndex: true, onBuild: (e) => { if (e.phase === 'failed') failures.push(e.error.message); } });
  t.after(() => list.close());
  await assert.rejects(list.count(sha1Of('password1')), (err: unknown) => err instanceof BreachListUnavailableError && /ascending order/.test(err.message));
  assert.equal(failures.length, 1);
  writeFileSync(file, good);
  assert.equal(await list.count(sha1Of('password1')), LEAKED.password1);
});

test('two builds of one list at once (two servers in a process) both succeed; a dead process\'s half-written index is removed', async (t) => {
  const file = writeLeakedList(LEAKED, 50_000, listDir(t));
  const abandoned = `${indexPathOf(file)}.partial-999999-0badc0de`;
  writeFileSync(abandoned, 'half an index');
  const lists = [new FileList({ file, waitForIndex: true }), new FileList({ file, waitForIndex: true })];
  await Promise.all(lists.map((list) => list.prepare()));
  for (const list of lists) {
    assert.equal(await list.count(sha1Of('password1')), LEAKED.password1);
    await list.close();
  }
  assert.deepEqual(readdirSync(dirname(file)).sort(), ['pwned-sha1.txt', 'pwned-sha1.txt.tgidx']);
});
