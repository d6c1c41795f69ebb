/** password-realm's connection choice on its own, against a fake of the one service it uses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namedConnection } from '../../../src/grants/password-realm.ts';
import type { ConnectionRecord } from '../../../src/model/directory.ts';
import type { ClientRecord } from '../../../src/model/client.ts';
import { clientRecord } from '../../helpers/records.ts';

const CONNECTIONS: ConnectionRecord[] = ['customers', 'staff'].map((name) => ({ name, display_name: null, mfa: { policy: 'never', factors: [] } }));

function choose(params: Record<string, string>, client: Partial<ClientRecord> = {}, parameter: 'realm' | 'connection' = 'realm') {
  return namedConnection({
    params: new Map(Object.entries(params)),
    client: clientRecord(client),
    services: { connections: { getConnection: async (name) => CONNECTIONS.find((c) => c.name === name) } },
  }, parameter);
}

test('the realm names the connection, when it exists and the client may use it', async () => {
  assert.equal(await choose({ realm: 'staff' }), 'staff');
  assert.equal(await choose({ connection: 'customers' }, { connections: ['customers'] }, 'connection'), 'customers');
});

test('invalid_request, saying why: no realm, an unknown one, one not enabled for the client', async () => {
  await assert.rejects(choose({}), { error: 'invalid_request', description: 'Missing required parameter: realm.' });
  await assert.rejects(choose({ realm: 'nobody' }), { error: 'invalid_request', description: "The realm 'nobody' does not exist." });
  await assert.rejects(choose({ realm: 'staff' }, { connections: ['customers'] }), { error: 'invalid_request', description: "The realm 'staff' is not enabled for this client." });
});
