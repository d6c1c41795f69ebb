/**
 * Requests that never reach a route, over a real socket: unparseable HTTP, headers too large, a path that is not
 * percent-encoded UTF-8, a missing or repeated Host (RFC 9112 §3.2). Each is answered in the endpoints' error shape
 * ({error, error_description}, as RFC 6749 §5.2 and the management API document it), never cached, and when the
 * connection closes the answer says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../helpers/tollgate.ts';
import { rawExchange, type RawResponse } from '../helpers/raw-http.ts';

async function listening(t: Parameters<typeof start>[0]): Promise<number> {
  const tg = await start(t);
  return Number(new URL(await tg.app.listen({ port: 0, host: '127.0.0.1' })).port);
}

/** The endpoints' error shape: RFC 6749 §5.2's, and Auth0's under the management API's `/api/v2`. */
function assertError(response: RawResponse | undefined, status: number, description: RegExp, path = ''): void {
  assert.ok(response, 'an answer');
  assert.equal(response.status, status, response.body);
  const body = JSON.parse(response.body);
  if (path.startsWith('/api/v2/')) {
    assert.deepEqual(Object.keys(body), ['statusCode', 'error', 'message', 'errorCode']);
    assert.deepEqual([body.statusCode, body.errorCode], [status, 'invalid_request']);
    assert.match(body.message, description);
  } else {
    assert.deepEqual(Object.keys(body), ['error', 'error_description']);
    assert.equal(body.error, 'invalid_request');
    assert.match(body.error_description, description);
  }
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.match(response.headers['content-type']!, /^application\/json/);
}

test('RFC 9112 §3.2: two Host headers, no Host on HTTP/1.1, or a Host that is not a host are 400 on every route, as are two Authorization or Content-Type headers; HTTP/1.0 needs no Host', async (t) => {
  const port = await listening(t);
  for (const path of ['/.well-known/jwks.json', '/oauth/token', '/userinfo', '/mfa/authenticators', '/api/v2/users', '/nowhere']) {
    const twice = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    assertError(twice.response, 400, /more than one Host/, path);
    const none = await rawExchange(port, `GET ${path} HTTP/1.1\r\nConnection: close\r\n\r\n`);
    assertError(none.response, 400, /no Host/, path);
    const bad = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: a b/c\r\nConnection: close\r\n\r\n`);
    assertError(bad.response, 400, /not a host/, path);
  }
  for (const [name, values] of [['Authorization', ['Bearer a', 'Basic b']], ['Content-Type', ['application/x-www-form-urlencoded', 'application/json']]] as const) {
    const twice = await rawExchange(port, `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n${name}: ${values[0]}\r\n${name.toUpperCase()}: ${values[1]}\r\nConnection: close\r\n\r\n`);
    assertError(twice.response, 400, new RegExp(`more than one ${name.toLowerCase()}`));
  }
  const old = await rawExchange(port, 'GET /.well-known/jwks.json HTTP/1.0\r\n\r\n');
  assert.equal(old.response?.status, 200);
  const ok = await rawExchange(port, 'GET /.well-known/jwks.json HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n');
  assert.equal(ok.response?.status, 200, 'an IPv6 literal with a port is a host');
});

test('a path that is not percent-encoded UTF-8 (%ZZ, overlong %C0%AF, a lone %E0%80) is 400 in the endpoint shape under /api/v2, /mfa and everywhere', async (t) => {
  const port = await listening(t);
  for (const path of ['/api/v2/users/%ZZ', '/api/v2/users/%C0%AF', '/api/v2/clients/%E0%80', '/mfa/authenticators/%ZZ', '/oauth/token/%ZZ', '/%C0%AF']) {
    for (const method of ['GET', 'DELETE', 'PATCH']) {
      const { response } = await rawExchange(port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assertError(response, 400, /percent-encoded UTF-8/, path);
    }
  }
  const long = await rawExchange(port, `DELETE /mfa/authenticators/${'a'.repeat(101)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  assertError(long.response, 414, /longer than 100/);
  const unknown = await rawExchange(port, 'GET /api/v2/nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.equal(unknown.response?.status, 404);
  assert.equal(unknown.response?.headers['cache-control'], 'no-store', 'a 404 is not cached either');
});

test('node:http\'s own 400 and 431 (a malformed header, headers over 16 KiB, a bad request line) say Connection: close, and the connection closes', async (t) => {
  const port = await listening(t);
  const requests: [string, number, RegExp][] = [
    ['GET /userinfo HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n', 400, /not valid HTTP/],
    [`GET /userinfo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, 431, /larger than 16 KiB/],
    ['GET /user info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400, /not valid HTTP/],
    ['POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, /not valid HTTP/],
    ['GET /userinfo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nul: a\0b\r\n\r\n', 400, /not valid HTTP/],
  ];
  for (const [request, status, description] of requests) {
    // No Connection: close in the request: a keep-alive client must learn from the answer that the connection ends.
    const { response, closed } = await rawExchange(port, request, { waitMs: 2000 });
    assertError(response, status, description);
    assert.equal(response!.headers.connection, 'close', `${status} says Connection: close`);
    assert.equal(closed, true, 'and the server closes the connection');
  }
});
