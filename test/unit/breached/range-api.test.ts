/** The range API client: k-anonymity on the wire, padding, the cache, one request per prefix, and every way it fails. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { RangeApi, countIn } from '../../../src/breached/range-api.ts';
import { BreachListUnavailableError, sha1Of } from '../../../src/breached/lookup.ts';
import { receivedOnlyPrefixes, sha1Hex, startRangeServer } from '../../helpers/breached.ts';

const LEAKED = 'correct horse battery staple';
const CLEAN = 'an unlisted 8f1c6e passphrase';

test('countIn finds a suffix only at the start of its line, and 0 when absent', () => {
  const body = '0018A45C4D1DEF81644B54AB7F969B88D65:10\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2\r\n011053FD0102E94D6AE2F8B83D76FAF94F6:0';
  assert.equal(countIn(body, '00D4F6E8FA6EECAD2A3AA415EEC418D38EC'), 2);
  assert.equal(countIn(body, '011053FD0102E94D6AE2F8B83D76FAF94F6'), 0);
  assert.equal(countIn(body, 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'), 0);
});

test('only the 5-character prefix is sent, with Add-Padding: true; the count comes from the answer', async (t) => {
  const range = await startRangeServer(t, { [LEAKED]: 42 });
  const api = new RangeApi({ url: range.url, timeoutMs: 2000, cacheTtlMs: 0 });
  assert.equal(await api.count(sha1Of(LEAKED)), 42);
  assert.equal(await api.count(sha1Of(CLEAN)), 0);
  assert.deepEqual(range.received.map((r) => [r.method, r.url, r.headers['add-padding'], r.body]), [
    ['GET', `/range/${sha1Hex(LEAKED).slice(0, 5)}`, 'true', ''],
    ['GET', `/range/${sha1Hex(CLEAN).slice(0, 5)}`, 'true', ''],
  ]);
  assert.ok(receivedOnlyPrefixes(range, LEAKED) && receivedOnlyPrefixes(range, CLEAN), 'the server saw a password or its whole hash');
});

test('answers are cached for cacheTtlMs; concurrent lookups of one prefix share one request', async (t) => {
  const range = await startRangeServer(t, { [LEAKED]: 3 });
  let nowMs = 1_000_000;
  const api = new RangeApi({ url: range.url, timeoutMs: 2000, cacheTtlMs: 60_000, nowMs: () => nowMs });
  assert.deepEqual(await Promise.all([api.count(sha1Of(LEAKED)), api.count(sha1Of(LEAKED)), api.count(sha1Of(LEAKED))]), [3, 3, 3]);
  assert.equal(range.received.length, 1);
  nowMs += 59_000;
  assert.equal(await api.count(sha1Of(LEAKED)), 3);
  assert.equal(range.received.length, 1, 'served from the cache');
  nowMs += 2_000;
  assert.equal(await api.count(sha1Of(LEAKED)), 3);
  assert.equal(range.received.length, 2, 'asked again once the answer expired');
});

test('unavailable: refused connection, an error status, and no answer within the timeout each throw, with a stable code', async (t) => {
  const range = await startRangeServer(t);
  const api = new RangeApi({ url: range.url, timeoutMs: 300, cacheTtlMs: 0 });
  const codeOf = (promise: Promise<number>) => promise.then(() => 'answered', (err: unknown) => {
    assert.ok(err instanceof BreachListUnavailableError, String(err));
    assert.ok(!err.message.includes(sha1Hex(LEAKED).slice(5)), 'the error names no hash');
    return err.code;
  });
  range.mode = 'refuse';
  assert.equal(await codeOf(api.count(sha1Of(LEAKED))), 'unreachable');
  range.mode = 'error';
  assert.equal(await codeOf(api.count(sha1Of(LEAKED))), 'bad_answer');
  range.mode = 'hang';
  const started = performance.now();
  assert.equal(await codeOf(api.count(sha1Of(LEAKED))), 'timeout');
  assert.ok(performance.now() - started < 2000, 'the timeout bounds the wait');
  const closed = new RangeApi({ url: 'http://127.0.0.1:1/range/', timeoutMs: 300, cacheTtlMs: 0 });
  assert.equal(await codeOf(closed.count(sha1Of(LEAKED))), 'unreachable');
});
