/**
 * A generated corpus of malformed requests over every endpoint, sent byte for byte on real sockets: wrong methods
 * and content types, truncated and oversized bodies, deep nesting, repeated parameters and headers, NUL bytes,
 * invalid UTF-8 and percent-escapes, and forged or confused JWTs (alg none, HS256 keyed with the server's public
 * key, a stranger's key) as bearer tokens, DPoP proofs, client assertions and token parameters. Not one 5xx; every
 * error in its documented shape ({error, error_description}, RFC 6749 §5.2 at the OAuth endpoints; Auth0's {statusCode, error, message, errorCode} under
 * /api/v2) with Cache-Control: no-store; and a good login is served afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT, exportJWK } from 'jose';
import { OPERATIONS } from '../../src/management/routes/index.ts';
import { MANAGEMENT, managed, withOps } from '../helpers/management.ts';
import { ISSUER, PASSWORD, REALM_GRANT, SECRET, basicAuth, start } from '../helpers/tollgate.ts';
import { rawExchange, type Exchange } from '../helpers/raw-http.ts';
import { deepBody } from '../helpers/json.ts';

interface Probe {
  what: string;
  bytes: Buffer;
  /** The request stops short of what it declared and half-closes: no answer at all is acceptable. */
  truncated?: boolean;
  head?: boolean;
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

function request(method: string, path: string, options: { headers?: [string, string][]; body?: string | Buffer; contentLength?: number } = {}): Buffer {
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'latin1') : options.body ?? Buffer.alloc(0);
  const headers: [string, string][] = [['Host', '127.0.0.1'], ['Connection', 'close'], ...(options.headers ?? [])];
  if (body.length > 0 || options.contentLength !== undefined) headers.push(['Content-Length', String(options.contentLength ?? body.length)]);
  const head = `${method} ${path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** `{"a":[{"a":[ ... ]}]}` nested `levels` deep, as text. */
const deepJson = (levels: number) => `${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`;
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

async function forgedJwts(jwks: { keys: Record<string, unknown>[] }): Promise<[string, string][]> {
  const serverKey = jwks.keys[0]!;
  const claims = { iss: ISSUER, sub: 'web', aud: [ISSUER, `${ISSUER}/oauth/token`, MANAGEMENT], client_id: 'web', scope: 'openid read:users', jti: 'j1', htm: 'POST', htu: `${ISSUER}/oauth/token` };
  const now = Math.floor(Date.now() / 1000);
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = Buffer.from(JSON.stringify(serverKey));
  const withTimes = { ...claims, iat: now, exp: now + 600 };
  return [
    ['alg none', new UnsecuredJWT(withTimes).encode()],
    ['alg none, typ at+jwt', `${b64url('{"alg":"none","typ":"at+jwt"}')}.${b64url(JSON.stringify(withTimes))}.`],
    ['HS256 keyed with the server\'s public JWK', await new SignJWT(withTimes).setProtectedHeader({ alg: 'HS256', kid: serverKey.kid as string, typ: 'at+jwt' }).sign(publicPem)],
    ['HS256 keyed with the modulus', await new SignJWT(withTimes).setProtectedHeader({ alg: 'HS256', kid: serverKey.kid as string }).sign(Buffer.from(String(serverKey.n)))],
    ['a stranger\'s ES256 key under the server\'s kid', await new SignJWT(withTimes).setProtectedHeader({ alg: 'ES256', kid: serverKey.kid as string, typ: 'at+jwt' }).sign(stranger.privateKey)],
    ['a DPoP-style proof embedding its own key', await new SignJWT(withTimes).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(stranger.publicKey) }).sign(stranger.privateKey)],
    ['an embedded jwk nested 5,000 deep', `${b64url(`{"alg":"ES256","typ":"dpop+jwt","jwk":${deepJson(5000)}}`)}.${b64url('{}')}.AAAA`],
    ['a payload nested 10,000 deep', `${b64url('{"alg":"RS256"}')}.${b64url(deepJson(10_000))}.AAAA`],
    ['crit header', `${b64url('{"alg":"RS256","crit":["exp"]}')}.${b64url('{}')}.AAAA`],
    ['expired', await new SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 }).setProtectedHeader({ alg: 'ES256' }).sign(stranger.privateKey)],
    ['garbage segments', 'a.b.c'],
    ['not base64url', '%%%.***.!!!'],
    ['huge', `${b64url('{"alg":"none"}')}.${'A'.repeat(12_000)}.`],
  ];
}

interface Route { method: string; path: string; auth: [string, string][] }

function corpus(routes: Route[], jwts: [string, string][], bearer: string): Probe[] {
  const probes: Probe[] = [];
  const add = (what: string, bytes: Buffer, extra: Partial<Probe> = {}) => probes.push({ what, bytes, ...extra });
  const clientBasic: [string, string] = ['Authorization', basicAuth('web', SECRET)];
  for (const route of routes) {
    const { method, path, auth } = route;
    const at = `${method} ${path}`;
    for (const other of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'].filter((m) => m !== method)) {
      add(`${other} instead of ${at}`, request(other, path, { headers: auth }), { head: other === 'HEAD' });
    }
    for (const [escaped, label] of [['%ZZ', 'bad percent-escape'], ['%C0%AF', 'overlong UTF-8'], ['%00', 'NUL'], ['%ED%A0%80', 'UTF-16 surrogate'], ['\xC0\xAF', 'raw invalid UTF-8']] as const) {
      add(`${label} in the path of ${at}`, request(method, `${path}${escaped}`, { headers: auth }));
      add(`${label} in the query of ${at}`, request(method, `${path}?x=${escaped}&page=${escaped}`, { headers: auth }));
    }
    add(`repeated query parameters at ${at}`, request(method, `${path}?page=0&page=1&per_page=5&per_page=6`, { headers: auth }));
    add(`an 8 KiB query at ${at}`, request(method, `${path}?q=${'a'.repeat(8192)}`, { headers: auth }));
    add(`headers over 16 KiB at ${at}`, request(method, path, { headers: [...auth, ['X-Big', 'a'.repeat(17 * 1024)]] }));
    add(`two Host headers at ${at}`, request(method, path, { headers: [...auth, ['Host', 'evil.example']] }));
    add(`two Authorization headers at ${at}`, request(method, path, { headers: [...auth, clientBasic, ['Authorization', 'Bearer x']] }));
    add(`a NUL in a header at ${at}`, request(method, path, { headers: [...auth, ['X-Nul', 'a\0b']] }));
    add(`raw 0xFF bytes in Authorization at ${at}`, request(method, path, { headers: [['Authorization', 'Bearer \xFF\xFE']] }));
    if (method === 'GET' || method === 'DELETE' || method === 'PUT') continue;

    const bodies: [string, string, string][] = [
      ['text/plain', 'grant_type=password', 'a text body'],
      ['application/xml', '<a>1</a>', 'XML'],
      ['multipart/form-data', 'x', 'multipart without a boundary'],
      ['application/json; charset=utf-16', '{}', 'JSON in UTF-16'],
      [';;;', 'a=b', 'a malformed Content-Type'],
      [FORM, '{"grant_type":"password"}', 'JSON sent as a form'],
      [JSON_TYPE, 'grant_type=password&username=a', 'a form sent as JSON'],
      [JSON_TYPE, '{"grant_type":"password","username":"nob', 'truncated JSON'],
      [JSON_TYPE, '[1,2,3]', 'a JSON array'],
      [JSON_TYPE, '"text"', 'a JSON string'],
      [JSON_TYPE, '{"a":1,"a":2}', 'a repeated JSON member'],
      [JSON_TYPE, '{"grant_type":"password","username":"nobody\\u0000x","password":"p\\u0000"}', 'NUL in JSON strings'],
      [JSON_TYPE, '{"username":"\\ud800","connection":"\\udfff"}', 'lone surrogates'],
      [JSON_TYPE, deepJson(10_000), 'JSON nested 10,000 deep'],
      [JSON_TYPE, `{"app_metadata":${deepJson(5000)},"user_metadata":${deepJson(40)},"grant_type":${deepJson(100)}}`, 'deep members'],
      [JSON_TYPE, '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', 'prototype keys'],
      [FORM, 'grant_type=password&grant_type=password&username=nobody&password=x', 'a repeated form parameter'],
      [FORM, 'grant_type=password&username=nobody%00&password=%00%00', 'NUL in form values'],
      [FORM, 'grant_type=%ZZ&username=%C0%AF&password=%E0%80', 'bad escapes in a form'],
      [FORM, 'grant_type=password&username=\xC0\xAF\xFF&password=x', 'raw invalid UTF-8 in a form'],
      [FORM, 'a[b][c][d][e]=1&a[b][c][d][e]=2&&&===&%', 'bracketed and empty parameters'],
      [FORM, `grant_type=password&username=${'a'.repeat(17 * 1024)}`, 'a form over 16 KiB'],
      [JSON_TYPE, `{"name":"${'a'.repeat(70 * 1024)}"}`, 'JSON over 64 KiB'],
    ];
    for (const [type, body, label] of bodies) {
      add(`${label} at ${at}`, request(method, path, { headers: [...auth, ['Content-Type', type]], body }));
    }
    add(`two Content-Type headers at ${at}`, request(method, path, { headers: [...auth, ['Content-Type', FORM], ['Content-Type', JSON_TYPE]], body: 'a=b' }));
    add(`two Content-Length headers at ${at}`, Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${FORM}\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\na=b`, 'latin1'));
    add(`a body shorter than its Content-Length at ${at}`, request(method, path, { headers: [...auth, ['Content-Type', FORM]], body: 'grant_type=pass', contentLength: 400 }), { truncated: true });
    add(`a NUL byte in the raw body at ${at}`, request(method, path, { headers: [...auth, ['Content-Type', FORM]], body: 'grant_type=password\0&username=x' }));
    add(`a broken chunked body at ${at}`, Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\na=b\r\nzz\r\n`, 'latin1'));
  }

  // Forged and confused JWTs wherever a JWT is read.
  const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const formHeaders: [string, string][] = [['Content-Type', FORM]];
  for (const [label, jwt] of jwts) {
    for (const path of ['/userinfo', '/mfa/authenticators', '/api/v2/users', '/api/v2/clients', '/api/v2/logs']) {
      add(`${label} as a bearer token at GET ${path}`, request('GET', path, { headers: [['Authorization', `Bearer ${jwt}`]] }));
    }
    add(`${label} as a DPoP-bound token and proof at /userinfo`, request('GET', '/userinfo', { headers: [['Authorization', `DPoP ${jwt}`], ['DPoP', jwt]] }));
    add(`${label} as a DPoP proof at /oauth/token`, request('POST', '/oauth/token', { headers: [clientBasic, ...formHeaders, ['DPoP', jwt]], body: form({ grant_type: 'password', username: 'nobody', password: 'x' }) }));
    add(`${label} as an access token in the body of /userinfo`, request('POST', '/userinfo', { headers: formHeaders, body: form({ access_token: jwt }) }));
    for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
      add(`${label} as a client assertion at ${path}`, request('POST', path, { headers: formHeaders, body: form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: jwt, token: 'x' }) }));
      add(`${label} as a client assertion and a client_id at ${path}`, request('POST', path, { headers: formHeaders, body: form({ grant_type: 'client_credentials', client_id: 'web', client_assertion_type: assertionType, client_assertion: jwt, token: 'x' }) }));
    }
    for (const path of ['/oauth/revoke', '/oauth/introspect']) {
      add(`${label} as the token at ${path}`, request('POST', path, { headers: [clientBasic, ...formHeaders], body: form({ token: jwt, token_type_hint: 'access_token' }) }));
    }
    for (const [grant, param] of [['refresh_token', 'refresh_token'], ['http://auth0.com/oauth/grant-type/mfa-otp', 'mfa_token'], ['password', 'id_token_hint'], [REALM_GRANT, 'login_hint']] as const) {
      add(`${label} as ${param} at /oauth/token`, request('POST', '/oauth/token', { headers: [clientBasic, ...formHeaders], body: form({ grant_type: grant, [param]: jwt, otp: '123456', username: 'nobody', password: 'x', realm: 'customers' }) }));
    }
    add(`${label} as the mfa_token of /mfa/challenge`, request('POST', '/mfa/challenge', { headers: [['Content-Type', JSON_TYPE]], body: JSON.stringify({ client_id: 'web', client_secret: SECRET, mfa_token: jwt, challenge_type: 'otp' }) }));
    add(`${label} as the bearer of /mfa/associate`, request('POST', '/mfa/associate', { headers: [['Authorization', `Bearer ${jwt}`], ['Content-Type', JSON_TYPE]], body: '{"authenticator_types":["otp"]}' }));
  }
  // Under the 64 KiB limit, past what JSON.stringify survives: with a valid token, only the depth limit stops it.
  add('metadata nested 10,000 deep at POST /api/v2/users', request('POST', '/api/v2/users', { headers: [['Authorization', `Bearer ${bearer}`], ['Content-Type', JSON_TYPE]], body: deepBody('app_metadata', 10_000, { connection: 'customers', username: 'deep', password: 'tulip-mosaic-47-river' }) }));
  return probes;
}

/** Checks one answer; returns why it is wrong, or undefined. */
function problemOf(probe: Probe, exchange: Exchange): string | undefined {
  const { response } = exchange;
  if (!response) return probe.truncated && exchange.closed ? undefined : `no answer (${exchange.closed ? 'closed' : 'still open'})`;
  if (!(response.status >= 200 && response.status < 500)) return `status ${response.status}: ${response.body.slice(0, 300)}`;
  if (response.status < 400) return undefined;
  if (response.headers['cache-control'] !== 'no-store') return `${response.status} without Cache-Control: no-store`;
  if (probe.head) return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return `${response.status} with a body that is not JSON: ${response.body.slice(0, 200)}`;
  }
  // Under /api/v2 the management API answers in Auth0's shape, its errorCode a stable code.
  const target = probe.bytes.toString('latin1').split(' ')[1] ?? '';
  // Bytes that are not HTTP are answered by node:http's socket handler before any path is known: RFC 6749's shape.
  const beforeRouting = /^The request (is not valid HTTP\/1\.1|headers are larger than 16 KiB)\.$/.test(String(body.error_description));
  if (`${target}/`.startsWith('/api/v2/') && !beforeRouting) {
    if (body.statusCode !== response.status || typeof body.error !== 'string' || typeof body.message !== 'string' || typeof body.errorCode !== 'string') {
      return `${response.status} not in Auth0's {statusCode, error, message, errorCode}: ${response.body.slice(0, 200)}`;
    }
    const beyond = Object.keys(body).filter((k) => !['statusCode', 'error', 'message', 'errorCode', 'fields'].includes(k));
    return beyond.length > 0 ? `${response.status} with members beyond Auth0's shape: ${beyond.join(', ')}` : undefined;
  }
  if (typeof body.error_description !== 'string') return `${response.status} without error_description: ${response.body.slice(0, 200)}`;
  // RFC 6750 §3.1: no error code for a request that sent no token, and a bare challenge says so.
  if (body.error === undefined && response.status === 401 && response.headers['www-authenticate'] === 'Bearer realm="tollgate"') return undefined;
  if (typeof body.error !== 'string' || !/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/.test(body.error)) return `${response.status} without an RFC 6749 §5.2 error code: ${response.body.slice(0, 200)}`;
  const extra = Object.keys(body).filter((k) => !['error', 'error_description', 'fields'].includes(k));
  if (extra.length > 0) return `${response.status} with members beyond the documented shape: ${extra.join(', ')}`;
  return undefined;
}

test('a corpus of over 500 malformed requests over every endpoint: no 5xx, every error in its documented shape with no-store, and a good login afterwards', async (t) => {
  const tg = managed(await start(t, (c) => {
    withOps(c);
    c.attack_protection = { rate_limit: { enabled: false }, ip_throttling: { enabled: false } };
    c.http = { headers_timeout: 1, request_timeout: 1 };
  }));
  const port = Number(new URL(await tg.app.listen({ port: 0, host: '127.0.0.1' })).port);
  const bearer = await tg.managementToken();
  const jwks = (await tg.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();

  const management = (auth: boolean) => (auth ? [['Authorization', `Bearer ${bearer}`] as [string, string]] : []);
  const routes: Route[] = [
    { method: 'POST', path: '/oauth/token', auth: [['Authorization', basicAuth('web', SECRET)]] },
    { method: 'POST', path: '/oauth/revoke', auth: [['Authorization', basicAuth('web', SECRET)]] },
    { method: 'POST', path: '/oauth/introspect', auth: [] },
    { method: 'GET', path: '/userinfo', auth: [] },
    { method: 'POST', path: '/userinfo', auth: [] },
    { method: 'GET', path: '/mfa/authenticators', auth: [] },
    { method: 'DELETE', path: '/mfa/authenticators/abc', auth: [] },
    { method: 'POST', path: '/mfa/associate', auth: [] },
    { method: 'POST', path: '/mfa/challenge', auth: [] },
    { method: 'GET', path: '/.well-known/openid-configuration', auth: [] },
    { method: 'GET', path: '/.well-known/jwks.json', auth: [] },
    { method: 'GET', path: '/api/v2/openapi.json', auth: [] },
    ...OPERATIONS.map((op) => ({ method: op.method, path: `/api/v2${op.path.replace(/:\w+/g, 'no-such-id')}`, auth: management(true) })),
    { method: 'POST', path: '/api/v2/users', auth: management(false) },
  ];
  const probes = corpus(routes, await forgedJwts(jwks), bearer);
  assert.ok(probes.length >= 500, `${probes.length} requests`);

  const failures: string[] = [];
  const queue = [...probes];
  // Eight at a time over loopback: a few seconds in all; truncated requests wait out request_timeout (1 s).
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let probe = queue.shift(); probe; probe = queue.shift()) {
      const problem = problemOf(probe, await rawExchange(port, probe.bytes, { waitMs: 4000, end: probe.truncated }));
      if (problem) failures.push(`${probe.what}: ${problem}`);
    }
  }));
  assert.deepEqual(failures, [], `${failures.length} of ${probes.length} requests answered wrongly`);
  assert.equal(tg.logs.filter((line) => line.includes('"level":"error"')).length, 0, 'no error logged');

  const login = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
    method: 'POST', headers: { authorization: basicAuth('web', SECRET), 'content-type': FORM },
    body: new URLSearchParams({ grant_type: 'password', username: 'alice', password: PASSWORD }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  assert.ok(((await login.json()) as { access_token?: string }).access_token);
});
