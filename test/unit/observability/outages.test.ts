/** An outage told to the log once each way, and once per interval meanwhile with the requests it affected. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { OutageMonitor, causeOf, hostOf } from '../../../src/observability/outages.ts';
import { StoreUnavailableError } from '../../../src/storage/errors.ts';
import { within } from '../../helpers/poll.ts';

function monitor(options: { intervalMs?: number; probe?: () => Promise<void>; settleMs?: number } = {}) {
  const lines: Record<string, any>[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, done) { lines.push(JSON.parse(chunk.toString())); done(); } }));
  const m = new OutageMonitor({ dependency: 'store', host: hostOf('postgres://tollgate:s3cret@db.internal:5433/tollgate?sslmode=require'), log, ...options });
  return { m, lines };
}

const refused = new StoreUnavailableError({ cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5433'), { code: 'ECONNREFUSED' }) });

test('outages: one warning when the dependency goes, with host and cause; none per failed call; one when it is back, with duration and counts', async (t) => {
  const { m, lines } = monitor({ settleMs: 0 });
  t.after(() => m.close());
  m.answered();
  assert.equal(lines.length, 0, 'nothing while it answers');
  for (let i = 0; i < 50; i++) m.failed(refused);
  for (let i = 0; i < 7; i++) m.request(true);
  m.request(false);
  assert.equal(lines.length, 1);
  assert.deepEqual({ level: lines[0]!.level, dependency: lines[0]!.dependency, host: lines[0]!.host, cause: lines[0]!.cause, msg: lines[0]!.msg },
    { level: 40, dependency: 'store', host: 'db.internal:5433', cause: 'connect ECONNREFUSED 10.0.0.5:5433', msg: 'store unreachable' });
  assert.equal(lines[0]!.stack, undefined);
  assert.doesNotMatch(JSON.stringify(lines), /s3cret|tollgate:/, 'never the credentials');
  for (let i = 0; i < 50; i++) m.answered();
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.level, 40);
  assert.match(lines[1]!.msg, /^store reachable again after \d+\.\d s$/);
  assert.deepEqual([lines[1]!.requests, lines[1]!.failed, typeof lines[1]!.down_ms], [8, 7, 'number']);
  m.request(true);
  assert.equal(lines.length, 2, 'requests are counted only during an outage');
});

test('outages: one line per interval while it stays down, with the requests of that interval; the probe notices the recovery', async (t) => {
  let reachable = false;
  const { m, lines } = monitor({ intervalMs: 100, probe: async () => { if (!reachable) throw refused; } });
  t.after(() => m.close());
  let recovered = 0;
  m.onRecovered(() => recovered++);
  m.failed(refused);
  m.request(true);
  m.request(true);
  await within(2000, 'a report', async () => lines.length >= 2);
  assert.deepEqual([lines[1]!.msg.startsWith('store still unreachable'), lines[1]!.requests, lines[1]!.failed], [true, 2, 2]);
  await within(2000, 'another report', async () => lines.length >= 3);
  assert.deepEqual([lines[2]!.requests, lines[2]!.failed], [0, 0], 'counts are per interval');
  reachable = true;
  await within(2000, 'the probe notices', async () => recovered === 1);
  assert.match(lines.at(-1)!.msg, /^store reachable again/);
  assert.equal(lines.at(-1)!.requests, 2, 'the recovery line has the whole outage\'s count');
});

test('outages: answers between failures of one outage (a database shutting down) do not end it; one after the settle time does', async (t) => {
  const { m, lines } = monitor({ settleMs: 200 });
  t.after(() => m.close());
  m.failed(refused);
  m.answered();
  m.failed(refused);
  m.answered();
  assert.deepEqual(lines.map((l) => l.msg), ['store unreachable'], 'still one outage');
  await new Promise((resolve) => setTimeout(resolve, 250));
  m.answered();
  assert.deepEqual(lines.map((l) => l.msg.replace(/ after .*/, '')), ['store unreachable', 'store reachable again']);
});

test('outages: the cause is one line, the wrapped error\'s', () => {
  assert.equal(causeOf(refused), 'connect ECONNREFUSED 10.0.0.5:5433');
  assert.equal(causeOf(Object.assign(new Error('Connection terminated unexpectedly'), {})), 'Connection terminated unexpectedly');
  assert.equal(causeOf(new StoreUnavailableError({ cause: Object.assign(new Error('terminating connection'), { code: '57P01' }) })), '57P01: terminating connection');
  assert.equal(hostOf('redis://:pw@cache.internal:6380/2'), 'cache.internal:6380');
});
