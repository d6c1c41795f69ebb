/** The MfaStore contract, run against every store: single-use steps hold under concurrency. */
import assert from 'node:assert/strict';
import type { AuthenticatorRecord, MfaTokenRecord, OobChallengeRecord } from '../../src/model/mfa.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;

function mfaToken(overrides: Partial<MfaTokenRecord> = {}): MfaTokenRecord {
  return {
    id: 'tok-hash', user_id: 'u1', client_id: 'web', connection: 'customers', scope: ['openid', 'read:items'], audience: 'https://api.example.com',
    auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 600, failures: 0, consumed_at: null, login: null, ...overrides,
  };
}

function authenticator(overrides: Partial<AuthenticatorRecord> = {}): AuthenticatorRecord {
  return { id: 'totp|dev_1', user_id: 'u1', type: 'otp', oob_channel: null, address: null, secret: 'sealed', created_at: T, activated_at: null, ...overrides };
}

function challenge(overrides: Partial<OobChallengeRecord> = {}): OobChallengeRecord {
  return { id: 'oob-hash', mfa_token_id: 'tok-hash', authenticator_id: 'email|dev_1', binding_hash: 'mac', created_at: T, expires_at: T + 300, polled_at: null, consumed_at: null, ...overrides };
}

forEachStore('mfa storage contract', (withStore) => {
  withStore('mfa tokens: stored as given, consumed exactly once however many callers race', async (store) => {
    await store.mfa.createMfaToken(mfaToken());
    assert.deepEqual(await store.mfa.findMfaToken('tok-hash'), mfaToken());
    assert.equal(await store.mfa.findMfaToken('other'), undefined);
    // The login's state rides along, actions' claims and metadata included, and comes back as it went in.
    const login = {
      protocol: 'oauth2-password-realm' as const, requested_scopes: ['openid'], factor: 'otp' as const,
      actions: { accessClaims: { 'https://example.com/roles': ['admin'] }, idClaims: {}, appMetadata: { plan: 'pro' }, userMetadata: { theme: null }, mfa: undefined },
    };
    await store.mfa.createMfaToken(mfaToken({ id: 'with-login', login }));
    assert.deepEqual((await store.mfa.findMfaToken('with-login'))?.login, JSON.parse(JSON.stringify(login)));
    const wins = await Promise.all(Array.from({ length: 10 }, () => store.mfa.consumeMfaToken('tok-hash', T + 1, 5)));
    assert.equal(wins.filter(Boolean).length, 1);
    assert.equal((await store.mfa.findMfaToken('tok-hash'))?.consumed_at, T + 1);
  });

  withStore('mfa tokens: expired or at the failure limit cannot be consumed; answers are reserved exactly up to the limit', async (store) => {
    await store.mfa.createMfaToken(mfaToken());
    await store.mfa.createMfaToken(mfaToken({ id: 'expired', expires_at: T + 10 }));
    assert.equal(await store.mfa.consumeMfaToken('expired', T + 10, 5), false);
    assert.equal(await store.mfa.reserveMfaTokenAnswer('expired', T + 10, 5), 0, 'an expired token admits no answer');
    const counts = await Promise.all(Array.from({ length: 12 }, () => store.mfa.reserveMfaTokenAnswer('tok-hash', T + 1, 5)));
    assert.deepEqual(counts.sort((a, b) => a - b), [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5], 'of 12 racing answers, exactly 5 are admitted');
    await store.mfa.releaseMfaTokenAnswer('tok-hash');
    assert.equal((await store.mfa.findMfaToken('tok-hash'))?.failures, 4, 'a reservation given back');
    assert.equal(await store.mfa.reserveMfaTokenAnswer('tok-hash', T + 1, 5), 5);
    assert.equal(await store.mfa.consumeMfaToken('tok-hash', T + 1, 5), false, 'five wrong codes kill it');
    assert.equal(await store.mfa.consumeMfaToken('tok-hash', T + 1, 6), true);
    assert.equal(await store.mfa.reserveMfaTokenAnswer('tok-hash', T + 1, 10), 0, 'a consumed token admits no answer');
    assert.equal(await store.mfa.reserveMfaTokenAnswer('unknown', T + 1, 5), 0);
    await store.mfa.releaseMfaTokenAnswer('unknown');
  });

  withStore('authenticators: listed per user oldest first, activated once, deleted per user', async (store) => {
    await store.mfa.addAuthenticator(authenticator());
    await store.mfa.addAuthenticator(authenticator({ id: 'email|dev_2', type: 'oob', oob_channel: 'email', address: 'a@example.com', secret: null, created_at: T + 1 }));
    await store.mfa.addAuthenticator(authenticator({ id: 'totp|dev_3', user_id: 'u2' }));
    assert.deepEqual((await store.mfa.listAuthenticators('u1')).map((a) => a.id), ['totp|dev_1', 'email|dev_2']);
    assert.deepEqual((await store.mfa.listAuthenticators('u1'))[1], authenticator({ id: 'email|dev_2', type: 'oob', oob_channel: 'email', address: 'a@example.com', secret: null, created_at: T + 1 }));
    const activations = await Promise.all([1, 2, 3].map(() => store.mfa.activateAuthenticator('totp|dev_1', T + 5)));
    assert.equal(activations.filter(Boolean).length, 1);
    assert.equal((await store.mfa.listAuthenticators('u1'))[0]?.activated_at, T + 5);
    assert.equal(await store.mfa.deleteAuthenticator('u2', 'totp|dev_1'), false, 'only the owner deletes');
    assert.equal(await store.mfa.deleteAuthenticator('u1', 'totp|dev_1'), true);
    assert.equal(await store.mfa.deleteUserAuthenticators('u1'), 1);
    assert.deepEqual(await store.mfa.listAuthenticators('u1'), []);
    assert.equal((await store.mfa.listAuthenticators('u2')).length, 1);
  });

  withStore('authenticators: a secret is replaced only while it is the expected one (one-time recovery codes)', async (store) => {
    await store.mfa.addAuthenticator(authenticator({ id: 'recovery-code|dev_1', type: 'recovery-code', secret: 'h1' }));
    const replaced = await Promise.all(['h2', 'h3', 'h4'].map((next) => store.mfa.replaceAuthenticatorSecret('recovery-code|dev_1', 'h1', next)));
    assert.equal(replaced.filter(Boolean).length, 1);
    assert.equal(await store.mfa.replaceAuthenticatorSecret('recovery-code|dev_1', 'h1', 'h5'), false);
  });

  withStore('oob challenges: polls are spaced by the interval; consumed once before expiry', async (store) => {
    await store.mfa.createOobChallenge(challenge());
    assert.deepEqual(await store.mfa.findOobChallenge('oob-hash'), challenge());
    assert.equal(await store.mfa.pollOobChallenge('oob-hash', T + 1, 5), true);
    assert.equal(await store.mfa.pollOobChallenge('oob-hash', T + 5, 5), false, 'slow_down');
    assert.equal(await store.mfa.pollOobChallenge('oob-hash', T + 6, 5), true);
    const wins = await Promise.all([1, 2, 3].map(() => store.mfa.consumeOobChallenge('oob-hash', T + 7)));
    assert.equal(wins.filter(Boolean).length, 1);
    await store.mfa.createOobChallenge(challenge({ id: 'late' }));
    assert.equal(await store.mfa.consumeOobChallenge('late', T + 300), false, 'expired');
  });

  withStore('purge: expired tokens and challenges, and enrolments unconfirmed for a day, go', async (store) => {
    await store.mfa.createMfaToken(mfaToken());
    await store.mfa.createOobChallenge(challenge());
    await store.mfa.addAuthenticator(authenticator());
    await store.mfa.addAuthenticator(authenticator({ id: 'totp|dev_2', activated_at: T }));
    assert.equal(await store.purge(T + 600), 2);
    assert.equal(await store.mfa.findMfaToken('tok-hash'), undefined);
    assert.equal(await store.purge(T + 86_400), 1);
    assert.deepEqual((await store.mfa.listAuthenticators('u1')).map((a) => a.id), ['totp|dev_2']);
  });
});
