/** The storage contract: every method of every store, the same assertions for each backend. */
import assert from 'node:assert/strict';
import { ConflictError } from '../../src/storage/errors.ts';
import type { MfaPolicy } from '../../src/model/directory.ts';
import type { NewUser } from '../../src/model/user.ts';
import type { RefreshFamilyState } from '../../src/model/tokens.ts';
import { forEachStore } from './each-store.ts';
import { newUser as sharedNewUser, refreshFamily } from '../helpers/records.ts';

const T = 1_767_225_600;

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return sharedNewUser('Alice', {
    email: 'Alice@Example.com', email_verified: true, password_hash: '$argon2id$v=19$m=64,t=1,p=1$x$y', name: 'Alice',
    app_metadata: { roles: ['admin'] }, ...overrides,
  });
}

const family = refreshFamily;

/** What a rotation from `hashes` to `hash` at `at` writes. */
function rotation(hashes: string[], hash: string, at: number, generation = 1): RefreshFamilyState {
  return { generation, token_hashes: [hash], previous_hashes: hashes, rotated_at: at, idle_expires_at: at + 100 };
}

const client = {
  client_id: 'web', name: null, secret_hash: 'sha256:00', token_endpoint_auth_method: 'client_secret_basic' as const, grant_types: ['password' as const],
  connections: null, default_connection: null, scope: null, introspection: false, trust_forwarded_for: false, api_grants: {},
  refresh_token: { rotation: 'rotating' as const, leeway: 0, idle_ttl: 100, absolute_ttl: 1000 }, mfa: null, client_metadata: { tier: 'gold' },
};
const NO_MFA: MfaPolicy = { policy: 'never', factors: ['otp'] };

forEachStore('storage contract', (withStore) => {
  withStore('users: create, get, find by username or email case-insensitively, within one connection', async (store) => {
    const alice = await store.users.createUser(newUser(), T);
    assert.match(alice.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(await store.users.getUser(alice.id), alice);
    assert.equal((await store.users.findUserByLogin('customers', 'ALICE'))?.id, alice.id);
    assert.equal((await store.users.findUserByLogin('customers', 'alice@example.COM'))?.id, alice.id);
    assert.equal(await store.users.findUserByLogin('employees', 'alice'), undefined);
    assert.equal(await store.users.getUser('nope'), undefined);
  });

  withStore('users: a username match wins over another user whose email equals it', async (store) => {
    const byEmail = await store.users.createUser(newUser({ username: 'x', email: 'bob' }), T);
    const byName = await store.users.createUser(newUser({ username: 'bob', email: null }), T);
    assert.notEqual(byEmail.id, byName.id);
    assert.equal((await store.users.findUserByLogin('customers', 'bob'))?.id, byName.id);
  });

  withStore('users: username and email are unique per connection, free across connections', async (store) => {
    await store.users.createUser(newUser(), T);
    await assert.rejects(store.users.createUser(newUser({ email: null, username: 'alice' }), T), ConflictError);
    await assert.rejects(store.users.createUser(newUser({ username: 'other', email: 'alice@example.com' }), T), ConflictError);
    const other = await store.users.createUser(newUser({ connection: 'employees' }), T);
    assert.equal(other.connection, 'employees');
  });

  withStore('users: update replaces fields; a conditional hash replacement fails on a stale hash', async (store) => {
    const alice = await store.users.createUser(newUser(), T);
    await store.users.updateUser({ ...alice, name: 'Alice L.', blocked: true }, T + 5);
    const updated = await store.users.getUser(alice.id);
    assert.equal(updated?.name, 'Alice L.');
    assert.equal(updated?.blocked, true);
    assert.equal(updated?.updated_at, T + 5);
    assert.equal(updated?.created_at, T);
    assert.equal(await store.users.replacePasswordHash(alice.id, 'stale', 'new', T), false);
    assert.equal(await store.users.replacePasswordHash(alice.id, alice.password_hash, 'new', T), true);
    assert.equal((await store.users.getUser(alice.id))?.password_hash, 'new');
  });

  withStore('users: a leaked password is marked once, only while its hash is current; a new hash clears the mark', async (store) => {
    const alice = await store.users.createUser(newUser(), T);
    assert.equal(alice.password_leaked_at, null);
    assert.equal(await store.users.markPasswordLeaked(alice.id, 'another hash', T + 1), false, 'a password changed meanwhile is not marked');
    assert.equal(await store.users.markPasswordLeaked(alice.id, alice.password_hash, T + 1), true);
    assert.equal(await store.users.markPasswordLeaked(alice.id, alice.password_hash, T + 2), false, 'only the first detection sets it');
    assert.equal((await store.users.getUser(alice.id))?.password_leaked_at, T + 1);
    assert.equal((await store.users.findUserByLogin('customers', 'alice'))?.password_leaked_at, T + 1);
    await store.users.updateProfile(alice.id, { ...(await store.users.getUser(alice.id))!, name: 'A.' }, T + 3);
    assert.equal((await store.users.getUser(alice.id))?.password_leaked_at, T + 1, 'a profile change keeps it');
    assert.equal(await store.users.replacePasswordHash(alice.id, alice.password_hash, 'new', T + 4), true);
    assert.equal((await store.users.getUser(alice.id))?.password_leaked_at, null, 'the new password is not the leaked one');
  });

  withStore('users: list pages and filters by connection', async (store) => {
    for (const name of ['c', 'a', 'b']) await store.users.createUser(newUser({ username: name, email: null }), T);
    await store.users.createUser(newUser({ connection: 'employees', username: 'z', email: null }), T);
    assert.deepEqual((await store.users.listUsers({ connection: 'customers', limit: 2, offset: 0 })).map((u) => u.username), ['a', 'b']);
    assert.deepEqual((await store.users.listUsers({ connection: 'customers', limit: 2, offset: 2 })).map((u) => u.username), ['c']);
    assert.equal((await store.users.listUsers({ limit: 10, offset: 0 })).length, 4);
  });

  withStore('users: search by username or email (case-insensitive, in every connection or one), counted and paged', async (store) => {
    const alice = await store.users.createUser(newUser(), T);
    const staff = await store.users.createUser(newUser({ connection: 'employees', email: 'alice@corp.example.com' }), T);
    await store.users.createUser(newUser({ username: 'bob', email: 'bob@example.com' }), T);
    const ids = async (filter: Parameters<typeof store.users.listUsers>[0]) => (await store.users.listUsers(filter)).map((u) => u.id);
    assert.deepEqual(await ids({ username: 'ALICE', limit: 10, offset: 0 }), [alice.id, staff.id], 'ordered by connection');
    assert.deepEqual(await ids({ email: 'alice@EXAMPLE.com', limit: 10, offset: 0 }), [alice.id]);
    assert.deepEqual(await ids({ username: 'alice', connection: 'employees', limit: 10, offset: 0 }), [staff.id]);
    assert.deepEqual(await ids({ username: 'alice', email: 'bob@example.com', limit: 10, offset: 0 }), [], 'filters combine');
    assert.deepEqual(await ids({ username: 'alice', limit: 1, offset: 1 }), [staff.id]);
    assert.equal(await store.users.countUsers({}), 3);
    assert.equal(await store.users.countUsers({ connection: 'customers' }), 2);
    assert.equal(await store.users.countUsers({ username: 'Alice' }), 2);
    assert.equal(await store.users.countUsers({ email: 'nobody@example.com' }), 0);
  });

  withStore('users: updateProfile changes the profile but never the password hash or connection; unknown ids and taken names fail', async (store) => {
    const alice = await store.users.createUser(newUser(), T);
    await store.users.createUser(newUser({ username: 'bob', email: 'bob@example.com' }), T);
    const { id: _id, connection: _c, password_hash: _p, created_at: _ca, updated_at: _ua, ...profile } = alice;
    assert.equal(await store.users.updateProfile(alice.id, { ...profile, username: 'Alicia', email: null, blocked: true, user_metadata: { theme: 'dark' } }, T + 5), true);
    assert.deepEqual(await store.users.getUser(alice.id), {
      ...alice, username: 'Alicia', email: null, blocked: true, user_metadata: { theme: 'dark' }, updated_at: T + 5,
    });
    assert.equal((await store.users.findUserByLogin('customers', 'alicia'))?.id, alice.id, 'the lower-cased login follows');
    assert.equal(await store.users.updateProfile('nope', profile, T), false);
    await assert.rejects(store.users.updateProfile(alice.id, { ...profile, username: 'BOB' }, T), ConflictError);
    await assert.rejects(store.users.updateProfile(alice.id, { ...profile, email: 'Bob@example.com' }, T), ConflictError);
    assert.equal((await store.users.getUser(alice.id))?.username, 'Alicia', 'a refused update changes nothing');
  });

  withStore('users: patchMetadata sets and removes top-level keys atomically, replacing nested values; concurrent patches of other keys all survive', async (store) => {
    const alice = await store.users.createUser(newUser({ app_metadata: { roles: ['user'], plan: { tier: 'free', seats: 1 } }, user_metadata: { theme: 'dark' } }), T);
    assert.equal(await store.users.patchMetadata(alice.id, { app_metadata: { plan: { tier: 'pro' }, logins: 3 }, user_metadata: { theme: null } }, T + 5), true);
    const patched = await store.users.getUser(alice.id);
    assert.deepEqual(patched?.app_metadata, { roles: ['user'], plan: { tier: 'pro' }, logins: 3 });
    assert.deepEqual(patched?.user_metadata, {});
    assert.equal(patched?.updated_at, T + 5);
    assert.equal(patched?.password_hash, alice.password_hash);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.users.patchMetadata(alice.id, { user_metadata: { [`k${i}`]: i } }, T + 6)));
    assert.deepEqual(Object.keys((await store.users.getUser(alice.id))!.user_metadata).sort(), Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
    assert.equal(await store.users.patchMetadata('nope', { app_metadata: { a: 1 } }, T), false);
  });

  withStore('users: delete removes the user once', async (store) => {
    const alice = await store.users.createUser(newUser(), T);
    assert.equal(await store.users.deleteUser(alice.id), true);
    assert.equal(await store.users.getUser(alice.id), undefined);
    assert.equal(await store.users.findUserByLogin('customers', 'alice'), undefined);
    assert.equal(await store.users.deleteUser(alice.id), false);
    await store.users.createUser(newUser(), T);
  });

  withStore('managed records: the API inserts its own; a key taken by the file or the API is a conflict; the cache sees changes at once', async (store) => {
    await store.configured.syncClients([client]);
    assert.equal(await store.clients.getClient('api-made'), undefined, 'cached before the insert');
    await store.configured.insertRecord('clients', { ...client, client_id: 'api-made' });
    assert.equal((await store.clients.getClient('api-made'))?.client_id, 'api-made');
    await assert.rejects(store.configured.insertRecord('clients', { ...client, name: 'taken' }), ConflictError);
    await assert.rejects(store.configured.insertRecord('clients', { ...client, client_id: 'api-made' }), ConflictError);
    assert.deepEqual(await store.configured.listOwned('clients'), [
      { record: { ...client, client_id: 'api-made' }, managed_by: 'api' },
      { record: client, managed_by: 'config' },
    ]);
    await store.configured.insertRecord('connections', { name: 'partners', display_name: null, mfa: NO_MFA });
    await store.configured.insertRecord('apis', { identifier: 'https://api', name: null, scopes: ['r'], access_token_ttl: null });
    assert.deepEqual(await store.connections.listConnections(), [{ name: 'partners', display_name: null, mfa: NO_MFA }]);
    assert.deepEqual((await store.configured.listOwned('apis')).map((o) => o.managed_by), ['api']);
  });

  withStore('managed records: replace and delete change only what the API owns, and say who owned it', async (store) => {
    await store.configured.syncConnections([{ name: 'customers', display_name: 'From the file', mfa: NO_MFA }]);
    await store.configured.insertRecord('connections', { name: 'partners', display_name: null, mfa: NO_MFA });
    await store.connections.listConnections();
    assert.equal(await store.configured.replaceRecord('connections', { name: 'partners', display_name: 'Partners', mfa: NO_MFA }), 'api');
    assert.equal((await store.connections.getConnection('partners'))?.display_name, 'Partners');
    assert.equal(await store.configured.replaceRecord('connections', { name: 'customers', display_name: 'Changed', mfa: NO_MFA }), 'config');
    assert.equal((await store.connections.getConnection('customers'))?.display_name, 'From the file');
    assert.equal(await store.configured.replaceRecord('connections', { name: 'nope', display_name: null, mfa: NO_MFA }), undefined);
    assert.equal(await store.connections.getConnection('nope'), undefined);
    assert.equal(await store.configured.deleteRecord('connections', 'customers'), 'config');
    assert.ok(await store.connections.getConnection('customers'));
    assert.equal(await store.configured.deleteRecord('connections', 'partners'), 'api');
    assert.equal(await store.connections.getConnection('partners'), undefined);
    assert.equal(await store.configured.deleteRecord('connections', 'partners'), undefined);
  });

  withStore('managed records: a sync keeps what the API owns, and takes over a record the file now lists', async (store) => {
    await store.configured.insertRecord('apis', { identifier: 'https://kept', name: null, scopes: [], access_token_ttl: null });
    await store.configured.insertRecord('apis', { identifier: 'https://claimed', name: 'API', scopes: [], access_token_ttl: null });
    await store.configured.syncApis([{ identifier: 'https://claimed', name: 'File', scopes: ['x'], access_token_ttl: 60 }]);
    await store.configured.syncApis([{ identifier: 'https://claimed', name: 'File', scopes: ['x'], access_token_ttl: 60 }]);
    assert.deepEqual((await store.configured.listOwned('apis')).map((o) => [o.record.identifier, o.record.name, o.managed_by]), [
      ['https://claimed', 'File', 'config'], ['https://kept', null, 'api'],
    ]);
    await store.configured.syncApis([]);
    assert.deepEqual((await store.apis.listApis()).map((a) => a.identifier), ['https://kept']);
  });

  withStore('configured records: sync upserts and removes what the configuration no longer lists', async (store) => {
    await store.configured.syncClients([client, { ...client, client_id: 'old' }]);
    await store.configured.syncClients([{ ...client, name: 'Web' }]);
    assert.equal((await store.clients.getClient('web'))?.name, 'Web');
    assert.equal(await store.clients.getClient('old'), undefined);
    await store.configured.syncConnections([{ name: 'b', display_name: null, mfa: NO_MFA }, { name: 'a', display_name: 'A', mfa: { policy: 'always', factors: ['otp'] } }]);
    assert.deepEqual((await store.connections.listConnections()).map((c) => c.name), ['a', 'b']);
    assert.equal((await store.connections.getConnection('a'))?.display_name, 'A');
    assert.deepEqual((await store.connections.getConnection('a'))?.mfa, { policy: 'always', factors: ['otp'] });
    await store.configured.syncApis([{ identifier: 'https://api', name: null, scopes: ['r'], access_token_ttl: 60 }]);
    assert.deepEqual(await store.apis.getApi('https://api'), { identifier: 'https://api', name: null, scopes: ['r'], access_token_ttl: 60 });
    assert.equal((await store.apis.listApis()).length, 1);
  });

  withStore('refresh families: a rotation is a compare-and-set, won by exactly one of many racing callers', async (store) => {
    await store.refreshFamilies.createRefreshFamily(family());
    assert.deepEqual(await store.refreshFamilies.findRefreshFamily('s1'), family());
    assert.equal(await store.refreshFamilies.findRefreshFamily('h0'), undefined, 'found by selector, never by a hash');
    const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => store.refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation(['h0'], `h1-${i}`, T + 1))));
    assert.equal(attempts.filter(Boolean).length, 1);
    const winner = attempts.findIndex(Boolean);
    assert.deepEqual(await store.refreshFamilies.findRefreshFamily('s1'), family({ ...rotation(['h0'], `h1-${winner}`, T + 1) }));
    assert.equal(await store.refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation(['h0'], 'late', T + 2)), false, 'expected hashes are stale');
  });

  withStore('refresh families: a re-issue adds a live token; the hashes compared are the whole ordered list', async (store) => {
    await store.refreshFamilies.createRefreshFamily(family());
    assert.ok(await store.refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation(['h0'], 'h1', T + 1)));
    const reissue = { generation: 1, token_hashes: ['h1', 'h1b'], previous_hashes: ['h0'], rotated_at: T + 1, idle_expires_at: T + 102 };
    assert.ok(await store.refreshFamilies.advanceRefreshFamily('s1', ['h1'], reissue));
    assert.deepEqual((await store.refreshFamilies.findRefreshFamily('s1'))?.token_hashes, ['h1', 'h1b']);
    assert.equal(await store.refreshFamilies.advanceRefreshFamily('s1', ['h1'], rotation(['h1'], 'h2', T + 3, 2)), false, 'a subset is not a match');
    assert.equal(await store.refreshFamilies.advanceRefreshFamily('s1', ['h1b', 'h1'], rotation(['h1b', 'h1'], 'h2', T + 3, 2)), false, 'nor another order');
    assert.ok(await store.refreshFamilies.advanceRefreshFamily('s1', ['h1', 'h1b'], rotation(['h1', 'h1b'], 'h2', T + 3, 2)));
    assert.deepEqual((await store.refreshFamilies.findRefreshFamily('s1'))?.previous_hashes, ['h1', 'h1b']);
  });

  withStore('refresh families: the binding (cnf) and device are kept across rotations', async (store) => {
    const cnf = { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' };
    await store.refreshFamilies.createRefreshFamily(family({ cnf, device: 'Alice’s phone' }));
    assert.ok(await store.refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation(['h0'], 'h1', T + 1)));
    const rotated = await store.refreshFamilies.findRefreshFamily('s1');
    assert.deepEqual(rotated?.cnf, cnf);
    assert.equal(rotated?.device, 'Alice’s phone');
    await store.refreshFamilies.createRefreshFamily(family({ selector: 's2', family_id: 'f2' }));
    assert.equal((await store.refreshFamilies.findRefreshFamily('s2'))?.cnf, null);
    assert.equal((await store.refreshFamilies.findRefreshFamily('s2'))?.device, null);
  });

  withStore('refresh families: touch, family and user revocation', async (store) => {
    await store.refreshFamilies.createRefreshFamily(family());
    await store.refreshFamilies.createRefreshFamily(family({ selector: 'other-family', family_id: 'f2' }));
    await store.refreshFamilies.createRefreshFamily(family({ selector: 'other-user', family_id: 'f3', user_id: 'u2' }));
    await store.refreshFamilies.touchRefreshFamily('s1', T + 500);
    assert.equal((await store.refreshFamilies.findRefreshFamily('s1'))?.idle_expires_at, T + 500);
    await store.refreshFamilies.touchRefreshFamily('s1', T + 400);
    assert.equal((await store.refreshFamilies.findRefreshFamily('s1'))?.idle_expires_at, T + 500, 'a touch never shortens it');
    await store.refreshFamilies.revokeRefreshFamily('f1', T + 2);
    assert.equal((await store.refreshFamilies.findRefreshFamily('s1'))?.revoked_at, T + 2);
    assert.equal((await store.refreshFamilies.findRefreshFamily('other-family'))?.revoked_at, null);
    assert.equal(await store.refreshFamilies.advanceRefreshFamily('s1', ['h0'], rotation(['h0'], 'z', T + 3)), false, 'a revoked family cannot rotate');
    // Two records of one family: a token and its leeway sibling, both live when families became one record each.
    await store.refreshFamilies.createRefreshFamily(family({ selector: 'other-family-2', family_id: 'f2', generation: 1 }));
    await store.refreshFamilies.createRefreshFamily(family({ selector: 'fourth-family', family_id: 'f4' }));
    assert.deepEqual((await store.refreshFamilies.revokeUserRefreshTokens('u1', T + 4)).sort(), ['f2', 'f4'], 'each family it revoked, once');
    assert.equal((await store.refreshFamilies.findRefreshFamily('other-family'))?.revoked_at, T + 4);
    assert.equal((await store.refreshFamilies.findRefreshFamily('other-family-2'))?.revoked_at, T + 4);
    assert.equal((await store.refreshFamilies.findRefreshFamily('s1'))?.revoked_at, T + 2, 'an earlier revocation stands');
    assert.equal((await store.refreshFamilies.findRefreshFamily('other-user'))?.revoked_at, null);
    assert.deepEqual(await store.refreshFamilies.revokeUserRefreshTokens('u1', T + 5), [], 'nothing left to revoke');
  });

  withStore('denylist: a family\'s sid denies every access token carrying it, with the jti in one lookup (RFC 7009 §2.1)', async (store) => {
    await store.denylist.denySession('sid-1', T + 700);
    await store.denylist.denySession('sid-1', T + 700);
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'a', sid: 'sid-1' }), true);
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'b', sid: 'sid-1' }), true, 'any token of the family');
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'c', sid: 'sid-2' }), false, 'another family');
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'sid-1' }), false, 'a sid is not a jti');
    await store.denylist.denyAccessToken('d', T + 10);
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'd', sid: 'sid-2' }), true, 'a denied jti in a live family');
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'd' }), true);
    assert.equal(await store.purge(T + 10), 1, 'the jti expires first');
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'a', sid: 'sid-1' }), true);
    assert.equal(await store.purge(T + 700), 1);
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'a', sid: 'sid-1' }), false);
  });

  withStore('denylist and purge: expired and revoked records go, live families stay whatever they consumed', async (store) => {
    await store.denylist.denyAccessToken('jti-1', T + 10);
    await store.denylist.denyAccessToken('jti-1', T + 10);
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-1' }), true);
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-2' }), false);
    await store.refreshFamilies.createRefreshFamily(family({ generation: 3, previous_hashes: ['h-2'], rotated_at: T, idle_expires_at: T + 100 }));
    await store.refreshFamilies.createRefreshFamily(family({ selector: 'revoked', family_id: 'f2', revoked_at: T }));
    await store.refreshFamilies.createRefreshFamily(family({ selector: 'idle', family_id: 'f3', idle_expires_at: T + 5 }));
    assert.equal(await store.purge(T + 20), 3);
    assert.equal(await store.denylist.isAccessTokenDenied({ jti: 'jti-1' }), false);
    assert.ok(await store.refreshFamilies.findRefreshFamily('s1'), 'a live family stays, with what reuse detection needs');
    assert.equal(await store.purge(T + 1000), 1, 'the family expired');
    assert.equal(await store.purge(T + 1000), 0);
  });

  withStore('denylist: the entries in force are listed a page at a time, in key order, for a cache to copy them back', async (store) => {
    for (const jti of ['c', 'a', 'e', 'b']) await store.denylist.denyAccessToken(jti, T + 10);
    await store.denylist.denySession('family', T + 20);
    await store.denylist.denyAccessToken('expired', T);
    const first = await store.denylist.listDenied('', 3, T);
    assert.deepEqual(first.map((e) => ({ ...e })), [{ key: 'a', expires_at: T + 10 }, { key: 'b', expires_at: T + 10 }, { key: 'c', expires_at: T + 10 }]);
    const rest = await store.denylist.listDenied('c', 3, T);
    assert.deepEqual(rest.map((e) => ({ ...e })), [{ key: 'e', expires_at: T + 10 }, { key: 'sid:family', expires_at: T + 20 }]);
    assert.deepEqual(await store.denylist.listDenied('sid:family', 3, T), []);
    assert.deepEqual((await store.denylist.listDenied('', 10, T + 10)).map((e) => e.key), ['sid:family'], 'only what is still in force');
  });

  withStore('single use: a key is accepted once until it expires, then purged (RFC 7523 §3 jti)', async (store) => {
    assert.equal(await store.singleUse.useOnce('jti:a', T + 60, T), true);
    assert.equal(await store.singleUse.useOnce('jti:a', T + 600, T + 59), false, 'a replay before expiry');
    assert.equal(await store.singleUse.useOnce('jti:b', T + 60, T), true, 'keys are independent');
    assert.equal(await store.singleUse.useOnce('jti:a', T + 120, T + 60), true, 'usable again once the first use expired');
    assert.equal(await store.singleUse.useOnce('jti:a', T + 120, T + 61), false);
    assert.equal(await store.purge(T + 60), 1, 'jti:b expired');
    assert.equal(await store.purge(T + 120), 1);
  });

  withStore('single use under concurrency: of 20 simultaneous uses of one key exactly one wins', async (store) => {
    const wins = await Promise.all(Array.from({ length: 20 }, () => store.singleUse.useOnce('otp:u1:123456', T + 90, T)));
    assert.equal(wins.filter(Boolean).length, 1);
  });
});
