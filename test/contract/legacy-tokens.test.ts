/** The legacy /oauth/ro's access tokens (LegacyTokenStore), run against every store; the refresh family's device is in store.test.ts. */
import assert from 'node:assert/strict';
import type { LegacyAccessTokenRecord } from '../../src/model/tokens.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;

function legacyToken(overrides: Partial<LegacyAccessTokenRecord> = {}): LegacyAccessTokenRecord {
  return { id: 'hash-1', client_id: 'legacy', user_id: 'u1', scope: ['openid', 'email'], created_at: T, expires_at: T + 600, sid: 'family-sid', ...overrides };
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
});
