/** /api/v2/keys/signing, /api/v2/logs and /api/v2/openapi.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { startManaged } from '../helpers/management.ts';
import { NOW, PASSWORD, webClient } from '../helpers/tollgate.ts';
import { keyView } from '../../src/management/keys.ts';
import { eventView } from '../../src/management/logs.ts';
import { OPERATIONS } from '../../src/management/routes/index.ts';
import { MANAGEMENT_SCOPES } from '../../src/protocol/management-api.ts';

const keys = z.array(keyView.strict());
const kidIn = (list: z.output<typeof keys>, state: string) => list.find((k) => k.state === state)?.kid;

test('GET /keys/signing lists keys without key material; rotate takes effect on this node at once (JWKS and signing)', async (t) => {
  const tg = await startManaged(t);
  const before = keys.parse((await tg.call('GET', '/keys/signing')).body);
  assert.deepEqual(before.map((k) => k.state).sort(), ['current', 'next']);
  const rotated = await tg.call('POST', '/keys/signing/rotate');
  assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
  assert.equal(rotated.body.current.kid, kidIn(before, 'next'));
  const after = keys.parse((await tg.call('GET', '/keys/signing')).body);
  assert.deepEqual([kidIn(after, 'current'), kidIn(after, 'previous'), kidIn(after, 'next')], [kidIn(before, 'next'), kidIn(before, 'current'), rotated.body.next]);
  const jwks = (await tg.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: { kid: string }[] };
  assert.ok(jwks.keys.some((k) => k.kid === rotated.body.next), 'this node publishes the new next key without waiting for keys.cache_ttl');
  const login = await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: webClient });
  assert.equal(JSON.parse(Buffer.from(login.body.access_token.split('.')[0], 'base64url').toString()).kid, rotated.body.current.kid, 'and signs with the new current key');
  const event = (await tg.store.events.listEvents({ type: 'key.rotated', limit: 1 }))[0];
  assert.deepEqual([event?.reason, event?.client_id], [rotated.body.current.kid, 'ops']);
  const one = await tg.call('GET', `/keys/signing/${rotated.body.current.kid}`);
  assert.deepEqual(one.body, after.find((k) => k.state === 'current'));
  assert.equal((await tg.call('GET', '/keys/signing/nope')).status, 404);
});

test('POST /keys/signing/rotate: an algorithm not in use is 409; an unknown one is 400 naming alg', async (t) => {
  const tg = await startManaged(t);
  const unused = await tg.call('POST', '/keys/signing/rotate', { body: { alg: 'ES256' } });
  assert.deepEqual([unused.status, unused.body.errorCode], [409, 'conflict']);
  const unknown = await tg.call('POST', '/keys/signing/rotate', { body: { alg: 'HS256' } });
  assert.deepEqual([unknown.status, unknown.body.fields[0].field], [400, 'alg']);
  assert.equal((await tg.call('GET', '/keys/signing')).body.length, 2, 'nothing changed');
});

test('PUT /keys/signing/{kid}/revoke: a previous key is revoked and stops verifying; the current key is 409; a next key is replaced', async (t) => {
  const tg = await startManaged(t);
  const oldToken = (await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid' }, { basic: webClient })).body.access_token;
  await tg.call('POST', '/keys/signing/rotate');
  const listed = keys.parse((await tg.call('GET', '/keys/signing')).body);
  const current = await tg.call('PUT', `/keys/signing/${kidIn(listed, 'current')}/revoke`);
  assert.deepEqual([current.status, current.body.errorCode], [409, 'conflict']);
  const previous = kidIn(listed, 'previous')!;
  const revoked = await tg.call('PUT', `/keys/signing/${previous}/revoke`);
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  assert.deepEqual([keyView.strict().parse(revoked.body).state, revoked.body.revoked_at], ['revoked', NOW]);
  const userinfo = await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${oldToken}` } });
  assert.equal(userinfo.statusCode, 401, 'tokens the revoked key signed stop verifying on this node at once');
  assert.equal((await tg.call('GET', '/keys/signing')).status, 401, 'so does the management token the test got before the rotation');
  const token = await tg.managementToken();
  assert.equal((await tg.call('PUT', `/keys/signing/${previous}/revoke`, { token })).status, 200, 'revoking twice is harmless');
  const next = kidIn(listed, 'next')!;
  await tg.call('PUT', `/keys/signing/${next}/revoke`, { token });
  const after = keys.parse((await tg.call('GET', '/keys/signing', { token })).body);
  assert.ok(kidIn(after, 'next') && kidIn(after, 'next') !== next, 'a revoked next key is replaced');
  assert.equal((await tg.call('PUT', '/keys/signing/nope/revoke', { token })).status, 404);
  assert.deepEqual((await tg.store.events.listEvents({ type: 'key.revoked', limit: 5 })).map((e) => e.reason), [next, previous]);
});

test('GET /logs: audit events newest first, filtered by user, type and time, paged; a bad filter is 400 naming it', async (t) => {
  const tg = await startManaged(t);
  await tg.token({ grant_type: 'password', username: 'alice', password: 'wrong' }, { basic: webClient });
  tg.advance(10);
  await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: webClient });
  await tg.token({ grant_type: 'password', username: 'mallory', password: PASSWORD }, { basic: webClient });
  const types = async (query: string) => {
    const res = await tg.call('GET', `/logs${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return z.array(eventView.strict()).parse(res.body).map((e) => e.type);
  };
  assert.deepEqual(await types(''), ['login.user_blocked', 'login.success', 'login.wrong_password']);
  assert.deepEqual(await types('?user=alice'), ['login.success', 'login.wrong_password']);
  assert.deepEqual(await types('?type=login.success'), ['login.success']);
  assert.deepEqual(await types(`?until=${NOW}`), ['login.wrong_password']);
  assert.deepEqual(await types(`?since=${NOW + 10}&per_page=1&page=1`), ['login.success']);
  // include_totals, as Auth0's SDKs send it, wraps the page without a total.
  const wrapped = await tg.call('GET', `/logs?since=${NOW + 10}&per_page=1&page=1&include_totals=true`);
  assert.deepEqual([wrapped.body.start, wrapped.body.limit, wrapped.body.length, wrapped.body.total, wrapped.body.logs.map((e: { type: string }) => e.type)], [1, 1, 1, undefined, ['login.success']]);
  for (const query of ['?type=login.nope', '?since=yesterday', '?include_totals=maybe']) {
    const res = await tg.call('GET', `/logs${query}`);
    assert.deepEqual([res.status, res.body.errorCode], [400, 'invalid_query_string'], query);
  }
  assert.equal((await tg.call('GET', '/logs?type=login.nope')).body.fields[0].field, 'type');
});

test('GET /openapi.json: an OpenAPI 3.1 document of every operation, its scope and schemas, served without a token', async (t) => {
  const tg = await startManaged(t);
  const res = await tg.call('GET', '/openapi.json', { token: null });
  assert.equal(res.status, 200);
  const doc = res.body;
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.servers[0].url, 'http://tollgate.test/api/v2');
  const { clientCredentials } = doc.components.securitySchemes.management.flows;
  assert.deepEqual([clientCredentials.tokenUrl, Object.keys(clientCredentials.scopes)], ['http://tollgate.test/oauth/token', Object.keys(MANAGEMENT_SCOPES)]);
  const documented = Object.entries(doc.paths as Record<string, Record<string, { security: { management: string[] }[] }>>)
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.security[0]!.management[0]}`));
  assert.deepEqual(documented.sort(), OPERATIONS.map((op) => `${op.method} ${op.path.replace(/:(\w+)/g, '{$1}')} ${op.scope}`).sort());
  const create = doc.paths['/users'].post;
  assert.deepEqual(create.requestBody.content['application/json'].schema.required.sort(), ['connection', 'password', 'username']);
  assert.equal(create.requestBody.content['application/json'].schema.additionalProperties, false, 'unknown fields are refused, and the document says so');
  assert.ok(create.responses['201'].content['application/json'].schema.properties.user_id);
  assert.ok(!('password_hash' in create.responses['201'].content['application/json'].schema.properties));
  const list = doc.paths['/users'].get.parameters as { name: string; in: string; required: boolean }[];
  assert.deepEqual(list.map((p) => [p.name, p.in, p.required]), [
    ['q', 'query', false], ['search_engine', 'query', false], ['connection', 'query', false], ['username', 'query', false], ['email', 'query', false],
    ['sort', 'query', false], ['fields', 'query', false], ['include_fields', 'query', false], ['page', 'query', false], ['per_page', 'query', false], ['include_totals', 'query', false],
  ]);
  assert.deepEqual(doc.paths['/users/{id}'].get.parameters.map((p: { name: string; in: string; required: boolean }) => [p.name, p.in, p.required]), [['id', 'path', true]]);
});
