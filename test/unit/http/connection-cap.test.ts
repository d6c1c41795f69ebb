import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressKey } from '../../../src/http/connection-cap.ts';

test('connections are counted per IPv4 address, and per /64 for IPv6, however the address is written', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7', 'IPv4 through a dual-stack socket');
  assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0DB8:0001:0002::9'), '2001:db8:1:2::/64', 'one host changing its interface id stays one key');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('2001:db8::1:2:3:4:5'), '2001:db8:0:1::/64');
  assert.equal(addressKey('2001:db8:0:0:1::1.2.3.4'), '2001:db8:0:0::/64', 'an embedded IPv4 address takes two groups');
  assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'), 'another /64 is another client');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
});
