import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endUserIp } from '../../../src/protection/forwarded-for.ts';
import type { ClientRecord } from '../../../src/model/client.ts';

function client(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    client_id: 'backend', name: null, secret_hash: 'sha256:00', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['password'],
    connections: null, default_connection: null, scope: null, introspection: false, trust_forwarded_for: true, api_grants: {}, mfa: null,
    refresh_token: { rotation: 'rotating', leeway: 0, idle_ttl: 100, absolute_ttl: 1000 }, ...overrides,
  };
}

const NETWORK = '198.51.100.10';

test('tollgate-forwarded-for: a trusted confidential client names the end user IP (normalised)', () => {
  assert.deepEqual(endUserIp(client(), NETWORK, '203.0.113.1'), { ip: '203.0.113.1' });
  assert.deepEqual(endUserIp(client(), NETWORK, ' 203.0.113.1 '), { ip: '203.0.113.1' });
  assert.deepEqual(endUserIp(client(), NETWORK, '::ffff:203.0.113.1'), { ip: '203.0.113.1' });
  assert.deepEqual(endUserIp(client(), NETWORK, '2001:DB8::1'), { ip: '2001:db8::1' });
  assert.deepEqual(endUserIp(client({ token_endpoint_auth_method: 'client_secret_post' }), NETWORK, '203.0.113.1'), { ip: '203.0.113.1' });
});

test('tollgate-forwarded-for: absent, the network IP, nothing to report', () => {
  assert.deepEqual(endUserIp(client(), NETWORK, undefined), { ip: NETWORK });
  assert.deepEqual(endUserIp(client({ trust_forwarded_for: false }), NETWORK, undefined), { ip: NETWORK });
});

test('tollgate-forwarded-for: ignored, with the reason, for a public client, an untrusted client, or a value that is not one IP', () => {
  assert.deepEqual(endUserIp(client({ token_endpoint_auth_method: 'none', secret_hash: null }), NETWORK, '203.0.113.1'), { ip: NETWORK, ignored: 'public_client' });
  assert.deepEqual(endUserIp(client({ token_endpoint_auth_method: 'none', trust_forwarded_for: false }), NETWORK, '203.0.113.1'), { ip: NETWORK, ignored: 'public_client' });
  assert.deepEqual(endUserIp(client({ trust_forwarded_for: false }), NETWORK, '203.0.113.1'), { ip: NETWORK, ignored: 'client_not_trusted' });
  for (const value of ['', 'unknown', '203.0.113.1, 203.0.113.2', '203.0.113.1:80', '[2001:db8::1]', '10.0.0.0/8']) {
    assert.deepEqual(endUserIp(client(), NETWORK, value), { ip: NETWORK, ignored: 'not_an_ip' }, JSON.stringify(value));
  }
});
