import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { loadConfigFile } from '../../src/config/load.ts';
import { createServer } from '../../src/server.ts';

test('the example configuration (what npm start serves) answers the README curl with tokens for alice', async (t) => {
  const config = loadConfigFile(new URL('../../examples/tollgate.yaml', import.meta.url).pathname, {});
  config.storage = 'sqlite::memory:';
  const tollgate = await createServer(config, { logStream: new Writable({ write: (_c, _e, done) => done() }) });
  t.after(() => tollgate.close());
  const res = await tollgate.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: `Basic ${Buffer.from('web-backend:demo-web-backend-secret-change-me-0123456789').toString('base64')}` },
    payload: { grant_type: 'password', username: 'alice', password: 'A3ddj3w', scope: 'openid profile email read:items', audience: 'https://api.example.com' },
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.scope, 'openid profile email read:items');
  assert.ok(body.id_token);
});
