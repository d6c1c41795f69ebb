import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientIp } from '../../../src/protection/client-ip.ts';
import { IpList } from '../../../src/protection/ip-list.ts';

const none = new IpList([]);
const proxies = new IpList(['10.0.0.0/8', '2001:db8:ffff::/48']);

test('client IP: with no trusted proxies, the socket address, whatever the headers say', () => {
  assert.equal(clientIp('198.51.100.1', { 'x-forwarded-for': '203.0.113.1', forwarded: 'for=203.0.113.2' }, none), '198.51.100.1');
  assert.equal(clientIp('::ffff:198.51.100.1', {}, none), '198.51.100.1', 'an IPv4-mapped socket address is IPv4');
  assert.equal(clientIp('2001:DB8::1', {}, none), '2001:db8::1');
});

test('client IP: an untrusted socket is the client even when it sends proxy headers', () => {
  assert.equal(clientIp('198.51.100.1', { 'x-forwarded-for': '10.0.0.1' }, proxies), '198.51.100.1');
});

test('client IP: X-Forwarded-For from a trusted proxy is walked right to left to the first untrusted hop', () => {
  const xff = (value: string | string[], socket = '10.0.0.1') => clientIp(socket, { 'x-forwarded-for': value }, proxies);
  assert.equal(xff('203.0.113.9'), '203.0.113.9');
  assert.equal(xff('203.0.113.9, 198.51.100.3'), '198.51.100.3', 'the left-most entry is whatever the client wrote');
  assert.equal(xff('203.0.113.9, 198.51.100.3, 10.0.0.7, 10.0.0.2'), '198.51.100.3', 'through a chain of trusted proxies');
  assert.equal(xff(['203.0.113.9', '198.51.100.4, 10.0.0.2']), '198.51.100.4', 'repeated headers are one list');
  assert.equal(xff('10.0.0.3, 10.0.0.2'), '10.0.0.3', 'all trusted: the farthest one');
  assert.equal(xff(''), '10.0.0.1', 'empty');
  assert.equal(xff('::ffff:198.51.100.5'), '198.51.100.5');
  assert.equal(xff('198.51.100.6', '::ffff:10.0.0.1'), '198.51.100.6', 'a trusted proxy on a dual-stack socket');
  assert.equal(xff('198.51.100.7', '2001:db8:ffff::9'), '198.51.100.7', 'a trusted IPv6 proxy');
  assert.equal(clientIp('10.0.0.1', {}, proxies), '10.0.0.1', 'no header: the proxy itself');
});

test('client IP: a hop that is not an IP ends the walk at the last address that can be vouched for', () => {
  const xff = (value: string) => clientIp('10.0.0.1', { 'x-forwarded-for': value }, proxies);
  assert.equal(xff('198.51.100.3, unknown'), '10.0.0.1');
  assert.equal(xff('198.51.100.3, garbage, 10.0.0.2'), '10.0.0.2');
  assert.equal(xff('198.51.100.3:4711'), '10.0.0.1', 'X-Forwarded-For carries no ports');
});

test('client IP (RFC 7239): Forwarded for= nodes, quoted, bracketed IPv6 with a port, obfuscated', () => {
  const fwd = (value: string | string[]) => clientIp('10.0.0.1', { forwarded: value }, proxies);
  assert.equal(fwd('for=192.0.2.60'), '192.0.2.60');
  assert.equal(fwd('For=192.0.2.60;proto=http;by=203.0.113.43'), '192.0.2.60', 'parameter names are case-insensitive');
  assert.equal(fwd('proto=https; for=192.0.2.61'), '192.0.2.61', 'for= need not come first');
  assert.equal(fwd('for="192.0.2.43:47011"'), '192.0.2.43');
  assert.equal(fwd('for="[2001:db8:cafe::17]:4711"'), '2001:db8:cafe::17');
  assert.equal(fwd('for="[2001:db8:cafe::17]"'), '2001:db8:cafe::17');
  assert.equal(fwd('for=192.0.2.43, for=198.51.100.17'), '198.51.100.17', 'the nearest hop is the last element');
  assert.equal(fwd(['for=192.0.2.43', 'for=10.0.0.2']), '192.0.2.43', 'repeated headers, through a trusted hop');
  assert.equal(fwd('for=192.0.2.43, for=unknown'), '10.0.0.1', 'for=unknown');
  assert.equal(fwd('for=192.0.2.43, for="_hidden"'), '10.0.0.1', 'an obfuscated node');
  assert.equal(fwd('for=192.0.2.43, proto=https'), '10.0.0.1', 'an element without for=');
  assert.equal(clientIp('10.0.0.1', { forwarded: 'for=192.0.2.1', 'x-forwarded-for': '192.0.2.2' }, proxies), '192.0.2.1', 'Forwarded wins');
});
