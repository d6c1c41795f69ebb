import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpList, isIpOrCidr, normalizeIp } from '../../../src/protection/ip-list.ts';

test('normalizeIp: an IPv4-mapped IPv6 address is its IPv4 address; IPv6 is lower-cased; anything else is kept', () => {
  assert.equal(normalizeIp('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(normalizeIp('::FFFF:192.0.2.1'), '192.0.2.1');
  assert.equal(normalizeIp('2001:DB8::1'), '2001:db8::1');
  assert.equal(normalizeIp('192.0.2.1'), '192.0.2.1');
  assert.equal(normalizeIp('::ffff:abcd'), '::ffff:abcd', 'not a mapped dotted quad');
  assert.equal(normalizeIp(''), '');
});

test('isIpOrCidr: addresses and ranges of both families; prefixes within the family; nothing else', () => {
  for (const ok of ['192.0.2.1', '10.0.0.0/8', '0.0.0.0/0', '203.0.113.7/32', '::1', '2001:db8::/32', '2001:db8::1/128', '::/0', ' 10.0.0.0/8 ']) {
    assert.equal(isIpOrCidr(ok), true, ok);
  }
  for (const bad of ['', 'localhost', '10.0.0', '256.0.0.1', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/x', '10.0.0.0/-1', '10.0.0.0/1234', '/8', '[::1]', '192.0.2.1:80']) {
    assert.equal(isIpOrCidr(bad), false, JSON.stringify(bad));
  }
});

test('IpList: matches single addresses and CIDR ranges of IPv4 and IPv6', () => {
  const list = new IpList(['192.0.2.10', '10.0.0.0/8', '2001:db8::/32', '::1']);
  assert.equal(list.size, 4);
  for (const inside of ['192.0.2.10', '10.0.0.0', '10.255.255.255', '2001:db8::1', '2001:db8:ffff::1', '2001:DB8::2', '::1']) assert.equal(list.has(inside), true, inside);
  for (const outside of ['192.0.2.11', '11.0.0.0', '9.255.255.255', '2001:db9::1', '::2', 'fe80::1']) assert.equal(list.has(outside), false, outside);
});

test('IpList: an IPv4-mapped IPv6 address (a dual-stack socket) matches IPv4 entries', () => {
  const list = new IpList(['10.0.0.0/8', '192.0.2.1']);
  assert.equal(list.has('::ffff:10.1.2.3'), true);
  assert.equal(list.has('::ffff:192.0.2.1'), true);
  assert.equal(list.has('::ffff:11.1.2.3'), false);
});

test('IpList: strings that are not IPs never match; an empty list matches nothing', () => {
  const list = new IpList(['0.0.0.0/0', '::/0']);
  for (const notIp of ['', 'unknown', '_hidden', '10.0.0.1:80', '[::1]', '10.0.0.0/8']) assert.equal(list.has(notIp), false, JSON.stringify(notIp));
  assert.equal(list.has('203.0.113.1'), true);
  const empty = new IpList([]);
  assert.equal(empty.size, 0);
  assert.equal(empty.has('127.0.0.1'), false);
});

test('IpList: an invalid entry is refused with the entry named', () => {
  assert.throws(() => new IpList(['10.0.0.0/8', 'localhost']), /not an IP address or CIDR range: localhost/);
  assert.throws(() => new IpList(['10.0.0.0/40']), /10\.0\.0\.0\/40/);
});
