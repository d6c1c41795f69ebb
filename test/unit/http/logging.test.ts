/** The log's format: JSON lines with level names and ISO times, or pino-pretty's lines on a terminal. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { logDestination, loggerOptions } from '../../../src/http/logging.ts';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  return { stream: new Writable({ write(chunk, _enc, done) { text += chunk; done(); } }), text: () => text };
}

test('not a terminal: one JSON object per line, the level by name, the time in ISO 8601, request_id from the scope', async () => {
  const out = capture();
  const log = pino(loggerOptions('info', () => 'req-abc'), await logDestination(false, out.stream));
  log.info({ user_id: 'u1' }, 'hello');
  const line = JSON.parse(out.text()) as Record<string, unknown>;
  assert.equal(line.level, 'info');
  assert.match(String(line.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.deepEqual([line.msg, line.user_id, line.request_id], ['hello', 'u1', 'req-abc']);
});

test('a terminal: pino-pretty\'s lines, not JSON', async () => {
  const out = capture();
  const log = pino(loggerOptions('info'), await logDestination(true, out.stream));
  log.warn({ dependency: 'store' }, 'store unreachable');
  for (let i = 0; i < 50 && !out.text().includes('\n'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const text = out.text();
  assert.match(text, /WARN.*store unreachable/);
  assert.match(text, /dependency: "store"/);
  assert.ok(!text.trimStart().startsWith('{'), text);
});
