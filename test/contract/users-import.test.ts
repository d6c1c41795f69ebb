/** The storage contract for batch imports and password history, the same assertions for each backend. */
import assert from 'node:assert/strict';
import { forEachStore } from './each-store.ts';
import { newUser } from '../helpers/records.ts';

const T = 1_767_225_600;


forEachStore('storage contract: imports', (withStore) => {
  withStore('importUsers: creates in order; a taken username or email, stored or earlier in the batch, is a conflict', async (store) => {
    await store.users.createUser(newUser('Existing'), T);
    const results = await store.users.importUsers([
      newUser('ann'), newUser('existing', { email: null }), newUser('bob', { email: 'EXISTING@example.com' }), newUser('ANN', { email: null }),
      newUser('cy', { connection: 'employees', email: 'existing@example.com' }),
    ], T + 1, { upsert: false });
    assert.deepEqual(results.map((r) => r.outcome), ['created', 'conflict', 'conflict', 'conflict', 'created']);
    const ann = await store.users.findUserByLogin('customers', 'ann@example.com');
    assert.equal(ann?.id, (results[0] as { id: string }).id);
    assert.deepEqual({ ...ann, id: 'x' }, { ...newUser('ann'), id: 'x', created_at: T + 1, updated_at: T + 1, password_leaked_at: null });
    assert.equal((await store.users.findUserByLogin('employees', 'cy'))?.email, 'existing@example.com');
    assert.equal((await store.users.listUsers({ limit: 10, offset: 0 })).length, 3);
  });

  withStore('importUsers with upsert: replaces the one holder\'s profile, never its username, email, blocked flag or password', async (store) => {
    const existing = await store.users.createUser(newUser('dora', { blocked: true, name: 'Old', app_metadata: { plan: 'free' } }), T);
    const [result] = await store.users.importUsers([newUser('DORA', {
      email: 'other@example.com', email_verified: true, name: 'Dora M.', given_name: 'Dora', family_name: 'M.', nickname: 'dm', picture: 'https://example.com/d.png',
      app_metadata: { plan: 'pro' }, user_metadata: { theme: 'dark' }, blocked: false, password_hash: 'new-hash',
    })], T + 5, { upsert: true });
    assert.deepEqual(result, { outcome: 'updated', id: existing.id, password_hash: existing.password_hash });
    assert.deepEqual(await store.users.getUser(existing.id), {
      ...existing, email_verified: true, name: 'Dora M.', given_name: 'Dora', family_name: 'M.', nickname: 'dm', picture: 'https://example.com/d.png',
      app_metadata: { plan: 'pro' }, user_metadata: { theme: 'dark' }, updated_at: T + 5,
    });
  });

  withStore('importUsers with upsert: matched by email too; two different holders are a conflict; new users are created', async (store) => {
    const byName = await store.users.createUser(newUser('eve', { email: null }), T);
    const byEmail = await store.users.createUser(newUser('frank', { email: 'f@example.com' }), T);
    const results = await store.users.importUsers([
      newUser('someone', { email: 'F@example.com', name: 'F' }), newUser('eve', { email: 'f@example.com' }), newUser('gil'),
      newUser('GIL', { name: 'Gil, again' }),
    ], T, { upsert: true });
    assert.deepEqual(results.map((r) => r.outcome), ['updated', 'conflict', 'created', 'updated']);
    assert.equal((results[3] as { id: string }).id, (results[2] as { id: string }).id, 'a later record updates the one created earlier in the batch');
    assert.equal((await store.users.findUserByLogin('customers', 'gil'))?.name, 'Gil, again');
    assert.equal((results[0] as { id: string }).id, byEmail.id);
    assert.equal((await store.users.getUser(byEmail.id))?.name, 'F');
    assert.equal((await store.users.getUser(byEmail.id))?.username, 'frank');
    assert.equal((await store.users.getUser(byName.id))?.name, null);
  });

  withStore('importUsers: a batch of thousands, with a conflict far from its original, is reported in order', async (store) => {
    const users = Array.from({ length: 2_500 }, (_, i) => newUser(`user${i}`));
    users[2_100] = newUser('USER10', { email: null });
    const results = await store.users.importUsers(users, T, { upsert: false });
    assert.equal(results.length, 2_500);
    assert.deepEqual(results.flatMap((r, i) => (r.outcome === 'created' ? [] : [i])), [2_100]);
    assert.equal(new Set(results.map((r) => (r as { id?: string }).id)).size, 2_500, 'distinct ids (and undefined for the conflict)');
    assert.equal((await store.users.findUserByLogin('customers', 'user2499'))?.id, (results[2_499] as { id: string }).id);
  });

  withStore('importUsers: an empty batch does nothing', async (store) => {
    assert.deepEqual(await store.users.importUsers([], T, { upsert: true }), []);
  });

  withStore('password history: newest first, limited; keeps only the `keep` newest; 0 forgets them all; per user', async (store) => {
    const [a, b] = [await store.users.createUser(newUser('hal'), T), await store.users.createUser(newUser('ivy'), T)];
    for (const [i, hash] of ['h1', 'h2', 'h3', 'h4'].entries()) await store.passwordHistory.addPasswordHistory(a.id, hash, T + i, 3);
    await store.passwordHistory.addPasswordHistory(b.id, 'other', T, 3);
    assert.deepEqual(await store.passwordHistory.listPasswordHistory(a.id, 10), ['h4', 'h3', 'h2']);
    assert.deepEqual(await store.passwordHistory.listPasswordHistory(a.id, 2), ['h4', 'h3']);
    await store.passwordHistory.addPasswordHistory(a.id, 'h5', T + 9, 1);
    assert.deepEqual(await store.passwordHistory.listPasswordHistory(a.id, 10), ['h5']);
    await store.passwordHistory.addPasswordHistory(a.id, 'h6', T + 10, 0);
    assert.deepEqual(await store.passwordHistory.listPasswordHistory(a.id, 10), []);
    assert.deepEqual(await store.passwordHistory.listPasswordHistory(b.id, 10), ['other']);
    assert.deepEqual(await store.passwordHistory.listPasswordHistory('nobody', 10), []);
  });
});
