import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { aliceLogin, startTollgate, webClient } from '../helpers/tollgate.ts';

test('RFC 6749 §4.3.2: the password grant returns an access token and an ID token', async (t) => {
  const tg = await startTollgate();
  t.after(() => tg.close());
  const res = await tg.token({ ...aliceLogin, scope: 'openid profile' }, { basic: webClient });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.token_type, 'Bearer');
  assert.equal(decodeJwt(res.body.id_token).name, 'Alice Liddell');
});
