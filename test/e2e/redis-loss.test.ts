/**
 * Redis losing its data mid-run (FLUSHALL; a restart without persistence) under three nodes on PostgreSQL + Redis:
 * the SQL store is the authority, so revoked tokens stay revoked and consumed one-time values stay consumed, on
 * every node, through the loss and after Redis is trusted again. Redis is a private server on its own port.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { API, ISSUER, NOW, PASSWORD, SECRET, basicAuth, type TestTollgate } from '../helpers/tollgate.ts';
import { nodesOnPostgres } from '../helpers/nodes.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-services.ts';
import { within } from '../helpers/poll.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const signing = await generateKeyPair('RS256', { extractable: true });
const clientJwk = { ...(await exportJWK(signing.publicKey)), kid: 'k1' };

describe('Redis loses its data under three nodes', () => {
  let redis: PrivateRedis;
  let nodes: TestTollgate[];
  const hooks: (() => Promise<void>)[] = [];
  /** Tokens revoked before the loss, and one-time values consumed before it. */
  let revokedAccess: string;
  let familyAccess: string;
  let consumedRefresh: string;
  let usedAssertion: string;

  const userinfo = (node: TestTollgate, token: string) => node.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${token}` } });
  const ready = async (node: TestTollgate) => (await node.app.inject({ method: 'GET', url: '/health/ready' })).json().status as string;
  const login = (node: TestTollgate) => node.token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid offline_access', audience: API }, { basic: ['web', SECRET] });
  const assertion = (jti: string) => new SignJWT({ iss: 'signed', sub: 'signed', aud: `${ISSUER}/oauth/token`, iat: NOW, exp: NOW + 300, jti })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(signing.privateKey);
  const withAssertion = (node: TestTollgate, jwt: string) => node.token({ grant_type: 'client_credentials', audience: API, client_assertion_type: JWT_BEARER, client_assertion: jwt });

  /** What must hold on every node at any moment: revoked stays revoked, consumed stays consumed. */
  async function everyNodeHolds(when: string): Promise<void> {
    for (const [i, node] of nodes.entries()) {
      assert.equal((await userinfo(node, revokedAccess)).statusCode, 401, `${when}: the revoked access token, node ${i}`);
      assert.equal((await userinfo(node, familyAccess)).statusCode, 401, `${when}: an access token of the revoked family, node ${i}`);
      const refreshed = await node.token({ grant_type: 'refresh_token', refresh_token: consumedRefresh }, { basic: ['web', SECRET] });
      assert.equal(refreshed.body.error, 'invalid_grant', `${when}: the revoked refresh token, node ${i}`);
      assert.equal((await withAssertion(node, usedAssertion)).body.error, 'invalid_client', `${when}: the replayed client assertion, node ${i}`);
    }
  }

  before(async () => {
    redis = await startPrivateRedis();
    hooks.push(() => redis.stop());
    nodes = await nodesOnPostgres({ after: (fn) => hooks.push(fn) }, 3, (config) => {
      config.cache = redis.url;
      config.clients!.push({ client_id: 'signed', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientJwk] }, grant_types: ['client_credentials'], api_grants: { [API]: ['read:items'] } });
      config.clients![0]!.grant_types!.push('refresh_token');
    });
    await within(5000, 'every node trusts Redis', async () => (await Promise.all(nodes.map(ready))).every((s) => s === 'ok'));

    const [a, b, c] = nodes as [TestTollgate, TestTollgate, TestTollgate];
    revokedAccess = (await login(a)).body.access_token;
    const family = (await login(b)).body;
    familyAccess = family.access_token;
    consumedRefresh = family.refresh_token;
    const revoke = (node: TestTollgate, token: string) => node.app.inject({
      method: 'POST', url: '/oauth/revoke', headers: { authorization: basicAuth('web', SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token }).toString(),
    });
    assert.equal((await revoke(a, revokedAccess)).statusCode, 200);
    // RFC 7009 §2.1: revoking the refresh token ends its family, the access tokens issued with it included.
    assert.equal((await revoke(c, consumedRefresh)).statusCode, 200);
    usedAssertion = await assertion(randomUUID());
    assert.equal((await withAssertion(c, usedAssertion)).status, 200);
    await everyNodeHolds('before the loss');
  });

  after(async () => {
    for (const hook of hooks.reverse()) await hook();
  });

  test('FLUSHALL: every node notices on its next check and answers from PostgreSQL, then trusts Redis again once it copied the revocations back', async () => {
    const live = (await login(nodes[0]!)).body.access_token as string;
    await redis.flushAll();
    await everyNodeHolds('right after FLUSHALL');
    await within(5000, 'every node trusts Redis again', async () => (await Promise.all(nodes.map(ready))).every((s) => s === 'ok'));
    await everyNodeHolds('Redis trusted again');
    for (const node of nodes) assert.equal((await userinfo(node, live)).statusCode, 200, 'a live token still works');
  });

  test('Redis restarted empty: the same, through the reconnection', async () => {
    await redis.restart();
    await everyNodeHolds('right after the restart');
    await within(10_000, 'every node reconnected and trusts Redis again', async () => (await Promise.all(nodes.map(ready))).every((s) => s === 'ok'));
    await everyNodeHolds('after the reconnection');
    // A revocation after the loss reaches every node too.
    const token = (await login(nodes[1]!)).body.access_token as string;
    const revoked = await nodes[2]!.app.inject({
      method: 'POST', url: '/oauth/revoke', headers: { authorization: basicAuth('web', SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token }).toString(),
    });
    assert.equal(revoked.statusCode, 200);
    for (const node of nodes) assert.equal((await userinfo(node, token)).statusCode, 401);
  });
});
