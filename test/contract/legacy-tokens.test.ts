/** The LegacyTokenStore contract and the refresh token's device, run against every store (migration 11). */
import assert from 'node:assert/strict';
import type { LegacyAccessTokenRecord, RefreshTokenRecord } from '../../src/storage/interfaces.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;

function legacyToken(overrides: Partial<LegacyAccessTokenRecord> = {}): LegacyAccessTokenRecord {
  return { id: 'hash-1', client_id: 'legacy', user_id: 'u1', scope: ['openid', 'email'], created_at: T, expires_at: T + 600, sid: 'family-sid', ...overrides };
}

function refresh(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    id: 'h0', family_id: 'f1', generation: 0, client_id: 'legacy', user_id: 'u1', connection: 'customers', scope: ['openid', 'offline_access'],
    audience: null, auth_time: T, amr: ['pwd'], created_at: T, family_expires_at: T + 1000, idle_expires_at: T + 100,
    consumed_at: null, revoked_at: null, cnf: null, device: 'Alice’s phone', ...overrides,
  };
}

forEachStore('legacy token storage contract', (withStore) => {
  withStore('legacy access tokens: stored as given, found by hash, deleted once', async (store) => {
    await store.legacyTokens.createLegacyToken(legacyToken());
    assert.deepEqual(await store.legacyTokens.findLegacyToken('hash-1'), legacyToken());
    assert.equal(await store.legacyTokens.findLegacyToken('other'), undefined);
    await store.legacyTokens.createLegacyToken(legacyToken({ id: 'no-family', sid: null }));
    assert.equal((await store.legacyTokens.findLegacyToken('no-family'))?.sid, null);
    const deletions = await Promise.all([1, 2, 3].map(() => store.legacyTokens.deleteLegacyToken('hash-1')));
    assert.deepEqual(deletions.filter(Boolean).length, 1);
    assert.equal(await store.legacyTokens.findLegacyToken('hash-1'), undefined);
  });

  withStore('legacy access tokens: purge removes the expired ones only, with the rest of housekeeping', async (store) => {
    await store.legacyTokens.createLegacyToken(legacyToken({ id: 'expired', expires_at: T + 10 }));
    await store.legacyTokens.createLegacyToken(legacyToken({ id: 'live', expires_at: T + 11 }));
    assert.equal(await store.legacyTokens.purge(T + 10), 1);
    assert.equal(await store.legacyTokens.findLegacyToken('expired'), undefined);
    await store.legacyTokens.createLegacyToken(legacyToken({ id: 'expired-too', expires_at: T + 10 }));
    assert.equal(await store.purge(T + 10), 1, 'the background purge includes them');
    assert.ok(await store.legacyTokens.findLegacyToken('live'));
  });

  withStore('refresh tokens keep the device they were issued to, through rotation; null when none', async (store) => {
    await store.createRefreshToken(refresh());
    assert.deepEqual(await store.findRefreshToken('h0'), refresh());
    assert.equal(await store.rotateRefreshToken('h0', T + 1, refresh({ id: 'h1', generation: 1, created_at: T + 1 })), true);
    assert.equal((await store.findRefreshToken('h1'))?.device, 'Alice’s phone');
    await store.createRefreshToken(refresh({ id: 'h2', family_id: 'f2', device: null }));
    assert.equal((await store.findRefreshToken('h2'))?.device, null);
  });
});
