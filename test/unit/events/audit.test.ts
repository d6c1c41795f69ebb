/** The audit log's queue: events the store could not take are written later, in order, and a loss past the bound is counted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { AuditLog } from '../../../src/events/audit.ts';
import { StoreUnavailableError } from '../../../src/storage/errors.ts';
import type { AuditEvent } from '../../../src/model/events.ts';
import type { EventStore } from '../../../src/storage/slices/events.ts';

const T = 1_767_225_600;

/** An event store that refuses every write as unreachable while `down`. */
function flakyStore() {
  const written: AuditEvent[] = [];
  const state = { down: false };
  const store: EventStore = {
    async addEvent(event) {
      if (state.down) throw new StoreUnavailableError({ cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
      written.push(event);
    },
    listEvents: async () => [],
    purgeEvents: async () => 0,
  };
  return { store, written, state };
}

function audit(store: EventStore, queueLimit?: number) {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, done) { lines.push(JSON.parse(chunk.toString())); done(); } }));
  let clock = T;
  const log$ = new AuditLog({ store, log, now: () => clock++, queueLimit });
  return { audit: log$, lines };
}

const users = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `user-${from + i}`);

test('audit: events the store could not take wait in memory and are written, in order, once it answers', async () => {
  const { store, written, state } = flakyStore();
  const { audit: log, lines } = audit(store);
  await log.emit({ type: 'login.success', outcome: 'success', username: 'before' });
  state.down = true;
  for (const username of users(5)) await log.emit({ type: 'login.success', outcome: 'success', username });
  assert.equal(log.queued, 5);
  assert.equal(await log.flush(), 5, 'still down: nothing written');
  state.down = false;
  // Behind the queue: an event emitted now waits its turn rather than overtake the queued ones.
  await log.emit({ type: 'login.success', outcome: 'success', username: 'after' });
  assert.equal(await log.flush(), 0);
  assert.deepEqual(written.map((e) => e.username), ['before', ...users(5), 'after']);
  assert.deepEqual(written.map((e) => e.time), [...written.map((e) => e.time)].sort((a, b) => a - b), 'each keeps the time it happened');
  assert.equal(lines.filter((l) => l.msg === 'audit event not stored').length, 0, 'no error line per event');
});

test('audit: the queue retries by itself, within about a second of the store answering again', async () => {
  const { store, written, state } = flakyStore();
  const { audit: log } = audit(store);
  state.down = true;
  await log.emit({ type: 'login.success', outcome: 'success', username: 'queued' });
  state.down = false;
  const start = Date.now();
  while (written.length === 0 && Date.now() - start < 3000) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(written.map((e) => e.username), ['queued']);
});

test('audit: past the bound, newer events are dropped and their number recorded as audit.dropped where they would have been', async () => {
  const { store, written, state } = flakyStore();
  const { audit: log, lines } = audit(store, 5);
  state.down = true;
  for (const username of users(12)) await log.emit({ type: 'login.success', outcome: 'success', username });
  assert.equal(log.queued, 4, 'one place is kept for the audit.dropped event');
  state.down = false;
  assert.equal(await log.flush(), 0);
  await log.emit({ type: 'login.success', outcome: 'success', username: 'after' });
  assert.deepEqual(written.map((e) => [e.type, e.username ?? e.reason]), [
    ...users(4).map((u) => ['login.success', u]), ['audit.dropped', '8'], ['login.success', 'after'],
  ]);
  assert.equal(written[4]!.outcome, 'failure');
  assert.equal(lines.filter((l) => l.dropped === 8).length, 1, 'and told to the log once');
});

test('audit: a shutdown writes what is queued; when the store is still down it says how many events it could not write', async () => {
  const up = flakyStore();
  const first = audit(up.store);
  up.state.down = true;
  for (const username of users(3)) await first.audit.emit({ type: 'login.success', outcome: 'success', username });
  up.state.down = false;
  await first.audit.close();
  assert.deepEqual(up.written.map((e) => e.username), users(3));

  const down = flakyStore();
  const second = audit(down.store);
  down.state.down = true;
  for (const username of users(3)) await second.audit.emit({ type: 'login.success', outcome: 'success', username });
  await second.audit.close();
  const report = second.lines.find((l) => l.unwritten !== undefined);
  assert.deepEqual([report?.unwritten, report?.level], [3, 50]);
});

test('audit: an error that is not unavailability is logged and the event not retried', async () => {
  const { audit: log, lines } = audit({ addEvent: async () => { throw new Error('constraint'); }, listEvents: async () => [], purgeEvents: async () => 0 });
  await log.emit({ type: 'login.success', outcome: 'success' });
  assert.equal(log.queued, 0);
  assert.equal(lines.filter((l) => l.msg === 'audit event not stored').length, 1);
});
