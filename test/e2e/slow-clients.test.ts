/**
 * Slow and idle clients over real sockets (OWASP: slow HTTP denial of service): headers or a body sent a byte at a
 * time, a body that stops half-way, a connection that never speaks, an idle keep-alive connection, and one address
 * holding many connections. Each is cut off after its configured timeout while a good login is still served at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/config/schema.ts';
import { PASSWORD, SECRET, basicAuth, start, type TestTollgate } from '../helpers/tollgate.ts';
import { openRaw, parseResponse, rawExchange } from '../helpers/raw-http.ts';
import { within } from '../helpers/poll.ts';

/** Short timeouts, so each test takes about a second; the defaults are seconds longer (docs/configuration.md). */
const SHORT = { headers_timeout: 0.5, request_timeout: 1, keep_alive_timeout: 0.5, idle_timeout: 5 };
/** How late node:http may notice an expired timeout: it checks a quarter of headers_timeout apart, plus a busy machine's lag. */
const SLACK_MS = 700;

async function listening(t: Parameters<typeof start>[0], modify: (c: ConfigInput) => void = () => {}): Promise<{ tg: TestTollgate; port: number }> {
  const tg = await start(t, (c) => { c.http = { ...SHORT }; modify(c); });
  const url = await tg.app.listen({ port: 0, host: '127.0.0.1' });
  return { tg, port: Number(new URL(url).port) };
}

/** Every wait is bounded: past this a connection the server should have closed is dropped by the test, which then fails. */
const GIVE_UP_MS = 4000;

/** Resolves when the server closes `raw`'s connection, or after GIVE_UP_MS, when the test closes it itself. */
function closedOrGivenUp(raw: ReturnType<typeof openRaw>): Promise<void> {
  const timer = setTimeout(() => raw.socket.destroy(), GIVE_UP_MS);
  return raw.closed.then(() => clearTimeout(timer));
}

async function goodLogin(port: number): Promise<{ status: number; ms: number }> {
  const startedAt = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basicAuth('web', SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: 'alice', password: PASSWORD }),
  });
  const body = await res.json() as { access_token?: string };
  assert.ok(res.status !== 200 || body.access_token, 'a 200 carries an access token');
  return { status: res.status, ms: performance.now() - startedAt };
}

/**
 * A client that sends `text` one byte every 100 ms (at most 100 bytes: 10 s) until the server closes the connection;
 * `started` resolves once it has sent `warmUp` bytes, `outcome` with what it received and how long it was connected.
 */
function dripping(port: number, text: string, warmUp = 3) {
  const raw = openRaw(port);
  const { socket, received } = raw;
  const closed = closedOrGivenUp(raw);
  const connectedAt = performance.now();
  let sent = 0;
  let warmed: () => void;
  const started = new Promise<void>((resolve) => { warmed = resolve; });
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= Math.min(text.length, 100)) return void clearInterval(timer);
    socket.write(text[sent++]!);
    if (sent === warmUp) warmed();
  }, 100);
  const outcome = closed.then(() => {
    clearInterval(timer);
    warmed();
    return { response: parseResponse(received()), ms: performance.now() - connectedAt };
  });
  return { started, outcome, stop: () => { clearInterval(timer); socket.destroy(); } };
}

function assertTimedOut(outcome: { response: ReturnType<typeof parseResponse>; ms: number }, timeoutMs: number): void {
  assert.equal(outcome.response?.status, 408, 'answered 408 Request Timeout');
  assert.deepEqual(JSON.parse(outcome.response!.body).error, 'invalid_request');
  assert.equal(outcome.response!.headers.connection, 'close');
  assert.equal(outcome.response!.headers['cache-control'], 'no-store');
  assert.ok(outcome.ms >= timeoutMs - 50, `closed after ${Math.round(outcome.ms)} ms, not before the ${timeoutMs} ms timeout`);
  assert.ok(outcome.ms < timeoutMs + SLACK_MS, `closed after ${Math.round(outcome.ms)} ms, soon after the ${timeoutMs} ms timeout`);
}

test('slowloris: 50 clients sending their headers a byte every 100 ms do not hold up a good login, and each gets 408 and is closed after http.headers_timeout', async (t) => {
  const { port } = await listening(t);
  const slow = Array.from({ length: 50 }, () => dripping(port, `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(200)}`));
  t.after(() => slow.forEach((s) => { s.stop(); }));
  await Promise.all(slow.map((s) => s.started));
  const login = await goodLogin(port);
  assert.equal(login.status, 200);
  assert.ok(login.ms < 1000, `the login took ${Math.round(login.ms)} ms with 50 slow clients connected`);
  for (const outcome of await Promise.all(slow.map((s) => s.outcome))) assertTimedOut(outcome, SHORT.headers_timeout * 1000);
  assert.equal((await goodLogin(port)).status, 200, 'still serving afterwards');
});

test('a body sent a byte every 100 ms, or stopping half-way, gets 408 and is closed after http.request_timeout', async (t) => {
  const { port } = await listening(t);
  const head = 'POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n';
  // The headers arrive at once; the body never completes.
  const halfWay = openRaw(port);
  const connectedAt = performance.now();
  halfWay.socket.write(`${head}grant_type=password&username=al`);
  const trickle = dripping(port, `${head}${'x'.repeat(200)}`, head.length);
  trickle.started.then(() => {}, () => {});
  t.after(() => { trickle.stop(); halfWay.socket.destroy(); });
  await closedOrGivenUp(halfWay);
  assertTimedOut({ response: parseResponse(halfWay.received()), ms: performance.now() - connectedAt }, SHORT.request_timeout * 1000);
  // The trickle sends its headers a byte at a time too, so it takes longer than headers_timeout to finish them.
  const outcome = await trickle.outcome;
  assert.equal(outcome.response?.status, 408);
  assert.ok(outcome.ms < SHORT.request_timeout * 1000 + SLACK_MS, `closed after ${Math.round(outcome.ms)} ms`);
});

test('a connection that sends nothing is closed after http.headers_timeout; an idle keep-alive connection after http.keep_alive_timeout', async (t) => {
  const { port } = await listening(t);
  const silent = openRaw(port);
  const connectedAt = performance.now();
  t.after(() => silent.socket.destroy());
  await closedOrGivenUp(silent);
  const silentMs = performance.now() - connectedAt;
  assert.ok(silentMs >= SHORT.headers_timeout * 1000 - 50 && silentMs < SHORT.headers_timeout * 1000 + SLACK_MS, `closed after ${Math.round(silentMs)} ms`);

  const idle = openRaw(port);
  t.after(() => idle.socket.destroy());
  idle.socket.write('GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await within(2000, 'the answer', async () => parseResponse(idle.received())?.status === 200);
  const answeredAt = performance.now();
  await closedOrGivenUp(idle);
  const idleMs = performance.now() - answeredAt;
  // node:http waits keepAliveTimeoutBuffer (1 s) past the timeout it announces, so a client never reuses a connection as it closes.
  const keepAliveMs = SHORT.keep_alive_timeout * 1000 + 1000;
  assert.ok(idleMs >= keepAliveMs - 100 && idleMs < keepAliveMs + SLACK_MS, `idle connection closed after ${Math.round(idleMs)} ms`);
});

const JWKS_REQUEST = 'GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

test('http.max_connections_per_ip: past the cap a new connection is closed unanswered while the others are served; a freed slot is taken again; the refusal is logged once', async (t) => {
  const { tg, port } = await listening(t, (c) => { c.http = { ...SHORT, headers_timeout: 5, request_timeout: 5, max_connections_per_ip: 5 }; });
  const held = Array.from({ length: 5 }, () => openRaw(port));
  t.after(() => held.forEach((h) => { h.socket.destroy(); }));
  await Promise.all(held.map((h) => new Promise((resolve) => h.socket.once('connect', resolve))));
  const refused = await Promise.all([rawExchange(port, JWKS_REQUEST, { waitMs: 2000 }), rawExchange(port, JWKS_REQUEST, { waitMs: 2000 })]);
  for (const exchange of refused) {
    assert.equal(exchange.closed, true, 'closed');
    assert.equal(exchange.response, undefined, 'unanswered');
  }
  assert.equal(tg.logs.filter((line) => line.includes('connections refused')).length, 1, 'one log line for the episode, not one per connection');
  // The held connections are still served.
  held[0]!.socket.write(JWKS_REQUEST);
  await held[0]!.closed;
  assert.equal(parseResponse(held[0]!.received())?.status, 200);
  await within(2000, 'a freed slot is taken by a new connection', async () => (await rawExchange(port, JWKS_REQUEST, { waitMs: 2000 })).response?.status === 200);
  held.forEach((h) => { h.socket.destroy(); });
});

test('trusted proxies and the allowlist are not capped: behind a proxy every client arrives from its address', async (t) => {
  for (const modify of [(c: ConfigInput) => { c.trusted_proxies = ['127.0.0.1']; }, (c: ConfigInput) => { c.attack_protection = { allowlist: ['127.0.0.0/8'] }; }]) {
    const { port } = await listening(t, (c) => { c.http = { ...SHORT, headers_timeout: 5, request_timeout: 5, max_connections_per_ip: 1 }; modify(c); });
    const held = Array.from({ length: 3 }, () => openRaw(port));
    t.after(() => held.forEach((h) => { h.socket.destroy(); }));
    for (const h of held) h.socket.write(JWKS_REQUEST);
    await Promise.all(held.map((h) => h.closed));
    assert.deepEqual(held.map((h) => parseResponse(h.received())?.status), [200, 200, 200]);
  }
});
