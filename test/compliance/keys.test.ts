/**
 * Signing key rotation and revocation as a relying party, an API and a second node see them: tokens are checked
 * against the published JWKS (jose's createLocalJWKSet), /userinfo and introspection. Keys change through the store,
 * as `tollgate keys` changes them; a node reads them again when `keys.reload()` runs (its timer, in production).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader, errors } from 'jose';
import type { ConfigInput } from '../../src/config/schema.ts';
import { rotateSigningKeys } from '../../src/keys/lifecycle.ts';
import type { KeyState } from '../../src/model/keys.ts';
import { API, NOW, aliceLogin, basicAuth, startTollgate, webClient, type TestTollgate } from '../helpers/tollgate.ts';
import { fetchJwks, verifyWithJwks } from '../helpers/jwks.ts';
import { nodesOnPostgres } from '../helpers/nodes.ts';

const withIntrospection = (c: ConfigInput) => {
  c.clients!.find((client) => client.client_id === 'web')!.introspection = true;
};

async function start(t: TestContext, modify: (c: ConfigInput) => void = () => {}): Promise<TestTollgate> {
  const tg = await startTollgate((c) => {
    withIntrospection(c);
    modify(c);
  });
  t.after(() => tg.close());
  return tg;
}

async function accessToken(tg: TestTollgate): Promise<string> {
  const res = await tg.token({ ...aliceLogin, audience: API, scope: 'openid read:items' }, { basic: webClient });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token;
}

const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

/** The RS256 key in `state`, as the store has it. */
async function kidIn(tg: TestTollgate, state: KeyState): Promise<string> {
  const found = (await tg.store.keys.listSigningKeys()).filter((k) => k.alg === 'RS256' && k.state === state);
  assert.equal(found.length, 1, `one ${state} key`);
  return found[0]!.kid;
}

async function publishedKids(tg: TestTollgate): Promise<string[]> {
  return (await fetchJwks(tg)).keys.map((k) => k.kid!).sort();
}

async function userinfoStatus(tg: TestTollgate, token: string): Promise<number> {
  return (await tg.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${token}` } })).statusCode;
}

async function introspectionActive(tg: TestTollgate, token: string): Promise<boolean> {
  const res = await tg.app.inject({
    method: 'POST', url: '/oauth/introspect', payload: new URLSearchParams({ token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(...webClient) },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().active;
}

test('the JWKS announces the next key before it signs; tokens carry the current kid', async (t) => {
  const tg = await start(t);
  const [current, next] = [await kidIn(tg, 'current'), await kidIn(tg, 'next')];
  assert.notEqual(current, next);
  assert.deepEqual(await publishedKids(tg), [current, next].sort(), 'current and next, nothing else');
  assert.equal(kidOf(await accessToken(tg)), current);
  const jwks = await fetchJwks(tg);
  assert.ok(jwks.keys.every((k) => k.use === 'sig' && k.alg === 'RS256' && k.d === undefined), 'public parts only');
});

test('the JWKS may be cached no longer than keys.cache_ttl', async (t) => {
  const tg = await start(t, (c) => { c.keys = { cache_ttl: 30 }; });
  const res = await tg.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  assert.equal(res.headers['cache-control'], 'public, max-age=30');
});

test('after a rotation: new tokens carry the former next kid; a token signed before still verifies with the JWKS, at /userinfo and by introspection', async (t) => {
  const tg = await start(t);
  const before = await accessToken(tg);
  const [oldKid, nextKid] = [kidOf(before), await kidIn(tg, 'next')];

  const rotation = await rotateSigningKeys(tg.store, 'RS256', NOW);
  assert.equal(rotation?.current.kid, nextKid);
  assert.equal(kidOf(await accessToken(tg)), oldKid, 'until it reloads, the node signs with the key it loaded');
  await tg.keys.reload();

  const after = await accessToken(tg);
  assert.equal(kidOf(after), nextKid, 'the key announced as next signs now');
  assert.deepEqual(await publishedKids(tg), [oldKid, nextKid, rotation!.next.kid].sort(), 'previous, current and the new next');
  for (const token of [before, after]) {
    await verifyWithJwks(tg, token, { typ: 'at+jwt', audience: API });
    assert.equal(await userinfoStatus(tg, token), 200);
    assert.equal(await introspectionActive(tg, token), true);
  }
});

test('after the previous key is revoked, the tokens it signed are rejected everywhere; the current key cannot be revoked', async (t) => {
  const tg = await start(t);
  const before = await accessToken(tg);
  const oldKid = kidOf(before)!;
  await rotateSigningKeys(tg.store, 'RS256', NOW);
  assert.equal((await tg.store.keys.revokeSigningKey(await kidIn(tg, 'current'), NOW))?.state, 'current', 'refused');
  assert.equal((await tg.store.keys.revokeSigningKey(oldKid, NOW))?.state, 'previous');
  await tg.keys.reload();

  assert.ok(!(await publishedKids(tg)).includes(oldKid), 'gone from the JWKS');
  await assert.rejects(verifyWithJwks(tg, before), errors.JWKSNoMatchingKey);
  assert.equal(await userinfoStatus(tg, before), 401);
  assert.equal(await introspectionActive(tg, before), false);
  const after = await accessToken(tg);
  assert.equal(await userinfoStatus(tg, after), 200, 'tokens of the current key still work');
});

test('two nodes on one PostgreSQL database: a rotation on one reaches the other when it reloads; meanwhile each verifies the other\'s tokens', async (t) => {
  const [a, b] = await nodesOnPostgres(t, 2, withIntrospection) as [TestTollgate, TestTollgate];
  assert.deepEqual(await publishedKids(b), await publishedKids(a), 'the second node uses the keys the first one made');
  const first = await accessToken(a);

  const rotation = (await rotateSigningKeys(a.store, 'RS256', NOW))!;
  await a.keys.reload();
  const fromA = await accessToken(a);
  assert.equal(kidOf(fromA), rotation.current.kid);
  assert.equal(kidOf(await accessToken(b)), kidOf(first), 'b has not reloaded yet');
  assert.equal(await userinfoStatus(b, fromA), 200, 'b knew the promoted key as next');
  assert.ok(!(await publishedKids(b)).includes(rotation.next.kid));

  await b.keys.reload();
  assert.deepEqual(await publishedKids(b), await publishedKids(a), 'the same JWKS on both');
  assert.equal(kidOf(await accessToken(b)), rotation.current.kid, 'b signs with the new key');

  // Two more rotations on a: b has never seen the key a signs with now, and reloads when a token names it.
  await rotateSigningKeys(a.store, 'RS256', NOW);
  const latest = (await rotateSigningKeys(a.store, 'RS256', NOW))!;
  await a.keys.reload();
  const unseen = await accessToken(a);
  assert.equal(kidOf(unseen), latest.current.kid);
  assert.equal(await userinfoStatus(b, unseen), 200, 'an unknown kid makes b reload');
  assert.equal(await introspectionActive(b, unseen), true);

  assert.equal((await b.store.keys.revokeSigningKey(kidOf(first)!, NOW))?.state, 'previous');
  await Promise.all([a.keys.reload(), b.keys.reload()]);
  for (const node of [a, b]) {
    assert.equal(await introspectionActive(node, first), false, 'the revocation is seen by every node');
    assert.ok(!(await publishedKids(node)).includes(kidOf(first)!));
  }
});
