/**
 * OpenTelemetry traces, exported over OTLP/HTTP to a receiver this test runs on loopback: one trace per request,
 * joining the caller's W3C traceparent, with spans for client authentication, the grant, password verification, store
 * calls and signing, and no credential or username in any attribute.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { API, PASSWORD, SECRET, startTollgate } from '../helpers/tollgate.ts';

interface OtlpSpan {
  traceId: string; spanId: string; parentSpanId?: string; name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}
interface OtlpExport { resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

/** An OTLP/HTTP traces receiver (the exporter's JSON encoding): everything posted to /v1/traces. */
async function otlpReceiver(t: { after(fn: () => Promise<void>): void }) {
  const exports: OtlpExport[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      assert.equal(request.url, '/v1/traces');
      assert.match(request.headers['content-type'] ?? '', /^application\/json/);
      exports.push(JSON.parse(body) as OtlpExport);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, exports };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

test('tracing: a login joins the caller\'s trace, with spans for client authentication, the grant, password verification, store calls and signing; no secret in any attribute', async (t) => {
  const receiver = await otlpReceiver(t);
  const tg = await startTollgate((c) => { c.tracing = { enabled: true, endpoint: receiver.url, service_name: 'tollgate-test' }; });
  const res = await tg.token({ grant_type: 'password', username: 'alice', password: PASSWORD, audience: API },
    { basic: ['web', SECRET], headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } });
  assert.equal(res.status, 200);
  await tg.close();

  const spans = receiver.exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  const names = (where: (span: OtlpSpan) => boolean) => spans.filter(where).map((s) => s.name);
  const root = spans.find((s) => s.name === 'POST /oauth/token');
  assert.ok(root, `spans: ${spans.map((s) => s.name).join(', ')}`);
  assert.equal(root.traceId, TRACE_ID, 'the caller\'s trace');
  assert.equal(root.parentSpanId, PARENT_ID, 'under the caller\'s span');
  const status = root.attributes?.find((a) => a.key === 'http.response.status_code')?.value;
  assert.equal(Number(status?.intValue), 200);
  const resource = receiver.exports[0]!.resourceSpans[0]!.resource.attributes!;
  assert.equal(resource.find((a) => a.key === 'service.name')?.value.stringValue, 'tollgate-test');

  // Names and attribute values: nothing the request supplied, nor anything issued.
  const values = spans.flatMap((s) => [s.name, ...(s.attributes ?? []).map((a) => JSON.stringify(a.value))]);
  for (const secret of ['alice', PASSWORD, SECRET, res.body.access_token as string, res.body.access_token.split('.')[2] as string]) {
    assert.ok(values.every((value) => !value.includes(secret)), `a span carries "${secret.slice(0, 12)}"`);
  }
  const children = names((s) => s.parentSpanId === root.spanId);
  assert.ok(children.includes('client_authentication'), children.join(', '));
  assert.ok(children.includes('grant password'), children.join(', '));
  const grant = spans.find((s) => s.name === 'grant password')!;
  const underGrant = names((s) => s.parentSpanId === grant.spanId);
  assert.ok(underGrant.includes('password.verify'), underGrant.join(', '));
  assert.ok(underGrant.includes('tokens accessToken'), underGrant.join(', '));
  assert.ok(underGrant.some((name) => name.startsWith('store ')), underGrant.join(', '));
  assert.ok(spans.every((s) => s.traceId === TRACE_ID), 'one trace');

});

test('tracing: off by default, nothing is sent; without a traceparent a request starts its own trace', async (t) => {
  const receiver = await otlpReceiver(t);
  const off = await startTollgate((c) => { c.tracing = { endpoint: receiver.url }; });
  assert.equal((await off.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: ['web', SECRET] })).status, 200);
  await off.close();
  assert.equal(receiver.exports.length, 0);

  const on = await startTollgate((c) => { c.tracing = { enabled: true, endpoint: receiver.url }; });
  assert.equal((await on.token({ grant_type: 'password', username: 'alice', password: PASSWORD }, { basic: ['web', SECRET] })).status, 200);
  await on.close();
  const spans = receiver.exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  const root = spans.find((s) => s.name === 'POST /oauth/token');
  assert.ok(root);
  assert.equal(root.parentSpanId ?? '', '');
  assert.match(root.traceId, /^[0-9a-f]{32}$/);
});
