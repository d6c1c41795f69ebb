/**
 * MFA inside the password grant over HTTP, on Auth0's wire protocol (draft-ietf-oauth-mfa): the policy, enrolment,
 * challenge, the mfa-otp and mfa-recovery-code grants, and every refusal. Time is frozen; TOTP codes are computed
 * for the frozen clock.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { ISSUER, NOW, REALM_GRANT, aliceLogin, start, webClient, type Res } from '../helpers/tollgate.ts';
import { MFA_OTP, MFA_RECOVERY, enrolOtp, mfaApi, mfaRequired, webInBody, withMfa } from '../helpers/mfa.ts';
import { totpCode } from '../../src/mfa/totp.ts';
import { holdCalls } from '../helpers/barrier.ts';

const MFA_AUDIENCE = `${ISSUER}/mfa/`;

function assertError(res: Res, status: number, error: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.equal(typeof res.body.error_description, 'string');
}

describe('MFA policy and enrolment', () => {
  test('policy never (the default): the password grant answers tokens, no mfa_token', async (t) => {
    const tg = await start(t);
    assert.equal((await tg.token(aliceLogin, { basic: webClient })).status, 200);
  });

  test('policy always: 403 mfa_required with an mfa_token; associate OTP with it; the first code confirms it and answers the tokens asked for', async (t) => {
    const tg = await start(t, withMfa('always'));
    const mfaToken = await mfaRequired(tg);
    const list = await mfaApi(tg, 'GET', '/mfa/authenticators', { bearer: mfaToken });
    assert.deepEqual(list.body, []);
    const res = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: mfaToken, body: { ...webInBody, authenticator_types: ['otp'] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.authenticator_type, 'otp');
    assert.match(res.body.secret, /^[A-Z2-7]{32}$/);
    assert.match(res.body.barcode_uri, /^otpauth:\/\/totp\/Tollgate:alice%40example\.com\?.*secret=[A-Z2-7]{32}/);
    assert.match(res.body.recovery_codes[0], /^[A-Z2-7]{24}$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const pending = await mfaApi(tg, 'GET', '/mfa/authenticators', { bearer: mfaToken });
    assert.deepEqual(pending.body.map((a: any) => [a.authenticator_type, a.active]).sort(), [['otp', false], ['recovery-code', false]]);

    const tokens = await tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: totpCode(res.body.secret, NOW) }, { basic: webClient });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.scope, 'openid', 'what the first step granted (web may not refresh, so no offline_access)');
    assert.deepEqual(decodeJwt(tokens.body.id_token).amr, ['pwd', 'mfa', 'otp']);
    const active = await mfaApi(tg, 'GET', '/mfa/authenticators', { bearer: await mfaRequired(tg) });
    assert.deepEqual(active.body.map((a: any) => [a.authenticator_type, a.active]).sort(), [['otp', true], ['recovery-code', true]]);
  });

  test('policy if_enrolled: no authenticator, no MFA; an enroll-scoped access token enrols (confirmed through its own mfa_token); then MFA is required', async (t) => {
    const tg = await start(t, withMfa('if_enrolled'));
    const login = await tg.token({ ...aliceLogin, audience: MFA_AUDIENCE, scope: 'enroll' }, { basic: webClient });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const res = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: login.body.access_token, body: { ...webInBody, authenticator_types: ['otp'] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.mfa_token);
    assert.equal((await tg.token(aliceLogin, { basic: webClient })).status, 200, 'unconfirmed: not enrolled yet');
    const confirmed = await tg.token({ grant_type: MFA_OTP, mfa_token: res.body.mfa_token, otp: totpCode(res.body.secret, NOW) }, { basic: webClient });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(decodeJwt(confirmed.body.access_token).aud, MFA_AUDIENCE);
    await mfaRequired(tg);
  });

  test('associate with an mfa_token once the user is enrolled is refused (403 access_denied); an access token without enroll is short of scope', async (t) => {
    const tg = await start(t, withMfa('always'));
    await enrolOtp(tg);
    const again = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: await mfaRequired(tg), body: { ...webInBody, authenticator_types: ['otp'] } });
    assertError(again, 403, 'access_denied');
    const plain = await start(t, withMfa('if_enrolled'));
    const login = await plain.token({ ...aliceLogin, audience: MFA_AUDIENCE, scope: 'read:authenticators' }, { basic: webClient });
    const res = await mfaApi(plain, 'POST', '/mfa/associate', { bearer: login.body.access_token, body: { ...webInBody, authenticator_types: ['otp'] } });
    assertError(res, 403, 'insufficient_scope');
    assert.match(String(res.headers['www-authenticate']), /^Bearer .*error="insufficient_scope"/);
  });

  test('associate refuses bad input with invalid_request: unknown or several types, a factor the policy does not allow, no client authentication', async (t) => {
    const tg = await start(t, withMfa('always'));
    const mfaToken = await mfaRequired(tg);
    for (const body of [{ authenticator_types: ['sms'] }, { authenticator_types: ['otp', 'oob'] }, { authenticator_types: ['oob'], oob_channels: ['email'] }, {}]) {
      assertError(await mfaApi(tg, 'POST', '/mfa/associate', { bearer: mfaToken, body: { ...webInBody, ...body } }), 400, 'invalid_request');
    }
    assertError(await mfaApi(tg, 'POST', '/mfa/associate', { bearer: mfaToken, body: { client_id: 'web', client_secret: 'wrong', authenticator_types: ['otp'] } }), 400, 'invalid_client');
    assertError(await mfaApi(tg, 'POST', '/mfa/associate', { bearer: 'not-an-mfa-token', body: { ...webInBody, authenticator_types: ['otp'] } }), 401, 'invalid_token');
    assert.equal((await mfaApi(tg, 'POST', '/mfa/associate', { body: { ...webInBody, authenticator_types: ['otp'] } })).status, 401);
  });

  test('the TOTP secret is sealed at rest and the recovery code kept only as a hash (a database dump alone reveals neither)', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret, recoveryCode } = await enrolOtp(tg);
    const alice = (await tg.store.users.findUserByLogin('customers', 'alice'))!;
    const stored = await tg.store.mfa.listAuthenticators(alice.id);
    const dump = JSON.stringify(stored);
    assert.ok(!dump.includes(secret) && !dump.includes(recoveryCode));
    assert.match(stored.find((a) => a.type === 'otp')!.secret!, /^v1\.[\w-]{8}\.[\w-]+\.[\w-]+$/);
    assert.match(stored.find((a) => a.type === 'recovery-code')!.secret!, /^[\w-]{43}$/, 'SHA-256, base64url');
  });
});

describe('the mfa-otp grant (Auth0) and /mfa/challenge', () => {
  test('challenge otp, then the grant with a code: tokens whose amr says mfa and otp; one step of drift is accepted (RFC 6238 §5.2)', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret } = await enrolOtp(tg);
    tg.advance(60);
    const mfaToken = await mfaRequired(tg);
    const challenge = await mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: mfaToken, challenge_type: 'otp' } });
    assert.deepEqual(challenge.body, { challenge_type: 'otp' });
    const res = await tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: totpCode(secret, NOW + 60 - 30) }, { basic: webClient });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(decodeJwt(res.body.id_token).amr, ['pwd', 'mfa', 'otp']);
  });

  test('RFC 6238 §5.2: a code is accepted once; the same code in a second login is refused', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret } = await enrolOtp(tg);
    tg.advance(1);
    const code = totpCode(secret, NOW + 1);
    assert.equal((await tg.token({ grant_type: MFA_OTP, mfa_token: await mfaRequired(tg), otp: code }, { basic: webClient })).status, 400, 'the enrolment used this step');
    tg.advance(30);
    const fresh = totpCode(secret, NOW + 31);
    assert.equal((await tg.token({ grant_type: MFA_OTP, mfa_token: await mfaRequired(tg), otp: fresh }, { basic: webClient })).status, 200);
    assertError(await tg.token({ grant_type: MFA_OTP, mfa_token: await mfaRequired(tg), otp: fresh }, { basic: webClient }), 400, 'invalid_grant');
  });

  test('the mfa_token: missing, unknown, expired after 10 minutes, used, or of another client, is refused', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret } = await enrolOtp(tg);
    tg.advance(30);
    assertError(await tg.token({ grant_type: MFA_OTP, otp: '123456' }, { basic: webClient }), 400, 'invalid_request');
    assertError(await tg.token({ grant_type: MFA_OTP, mfa_token: 'unknown', otp: '123456' }, { basic: webClient }), 400, 'invalid_grant');
    const foreign = await mfaRequired(tg);
    assertError(await tg.token({ grant_type: MFA_OTP, mfa_token: foreign, otp: totpCode(secret, NOW + 30), client_id: 'post', client_secret: webClient[1] }), 400, 'invalid_grant');
    const used = await mfaRequired(tg);
    assert.equal((await tg.token({ grant_type: MFA_OTP, mfa_token: used, otp: totpCode(secret, NOW + 30) }, { basic: webClient })).status, 200);
    tg.advance(30);
    assertError(await tg.token({ grant_type: MFA_OTP, mfa_token: used, otp: totpCode(secret, NOW + 60) }, { basic: webClient }), 400, 'invalid_grant');
    const late = await mfaRequired(tg);
    tg.advance(600);
    assertError(await tg.token({ grant_type: MFA_OTP, mfa_token: late, otp: totpCode(secret, NOW + 660) }, { basic: webClient }), 400, 'invalid_grant');
  });

  test('two concurrent answers with one mfa_token and a right code: exactly one gets tokens (one conditional write)', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret } = await enrolOtp(tg);
    tg.advance(30);
    const mfaToken = await mfaRequired(tg);
    // Both answers are held just before the consuming write, so both have found the token live and only that write
    // can refuse one of them.
    const consumes = holdCalls(tg.store.mfa, 'consumeMfaToken', 2);
    // Two different valid codes (this step and the next, within the drift), so only the mfa_token can refuse one.
    const [a, b] = await Promise.all([NOW + 30, NOW + 60].map((at) => tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: totpCode(secret, at) }, { basic: webClient })));
    assert.equal(consumes.calls, 2, 'both answers reached the conditional write');
    assert.deepEqual([a!.status, b!.status].sort(), [200, 400], JSON.stringify([a!.body, b!.body]));
    assertError(a!.status === 400 ? a! : b!, 400, 'invalid_grant');
  });

  test('the password-realm grant asks for MFA by the realm\'s policy, and its mfa_token completes the same way', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret } = await enrolOtp(tg);
    tg.advance(30);
    const res = await tg.token({ ...aliceLogin, grant_type: REALM_GRANT, realm: 'customers' }, { basic: webClient });
    assertError(res, 403, 'mfa_required');
    assert.equal((await tg.token({ grant_type: MFA_OTP, mfa_token: res.body.mfa_token, otp: totpCode(secret, NOW + 30) }, { basic: webClient })).status, 200);
    assert.equal((await tg.token({ grant_type: REALM_GRANT, username: 'alice', password: 'employee-password', realm: 'employees' }, { basic: webClient })).status, 200, 'employees: policy never');
  });

  test('five wrong codes invalidate the mfa_token, even for the right code after them', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret } = await enrolOtp(tg);
    tg.advance(30);
    const mfaToken = await mfaRequired(tg);
    for (let i = 0; i < 5; i++) assertError(await tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: '000000' }, { basic: webClient }), 400, 'invalid_grant');
    assertError(await tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: totpCode(secret, NOW + 30) }, { basic: webClient }), 400, 'invalid_grant');
    assert.equal((await tg.token({ grant_type: MFA_OTP, mfa_token: await mfaRequired(tg), otp: totpCode(secret, NOW + 30) }, { basic: webClient })).status, 200);
  });

  test('per user, wrong codes draw from a bucket of 10 refilled one every 6 minutes; then 429 too_many_attempts with Retry-After', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret } = await enrolOtp(tg);
    // Two mfa_tokens, five wrong codes each: each token dies at its fifth, and the user's bucket is then empty.
    for (const mfaToken of [await mfaRequired(tg), await mfaRequired(tg)]) {
      for (let i = 0; i < 5; i++) assertError(await tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: '000000' }, { basic: webClient }), 400, 'invalid_grant');
    }
    const blocked = await tg.token({ grant_type: MFA_OTP, mfa_token: await mfaRequired(tg), otp: totpCode(secret, NOW) }, { basic: webClient });
    assertError(blocked, 429, 'too_many_attempts');
    assert.equal(blocked.headers['retry-after'], '360');
    tg.advance(360);
    const res = await tg.token({ grant_type: MFA_OTP, mfa_token: await mfaRequired(tg), otp: totpCode(secret, NOW + 360) }, { basic: webClient });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const events = await tg.store.events.listEvents({ type: 'mfa.throttled', limit: 10 });
    assert.equal(events.length, 1);
  });

  test('/mfa/challenge: association_required before any enrolment, unsupported_challenge_type for a type the user lacks, invalid_grant for a bad mfa_token', async (t) => {
    const tg = await start(t, withMfa('always'));
    assertError(await mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: await mfaRequired(tg), challenge_type: 'otp' } }), 400, 'association_required');
    await enrolOtp(tg);
    const mfaToken = await mfaRequired(tg);
    assertError(await mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: mfaToken, challenge_type: 'oob' } }), 400, 'unsupported_challenge_type');
    assertError(await mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: mfaToken, challenge_type: 'push' } }), 400, 'unsupported_challenge_type');
    assertError(await mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: mfaToken } }), 400, 'invalid_request');
    assertError(await mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: 'nope', challenge_type: 'otp' } }), 400, 'invalid_grant');
    assert.deepEqual((await mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: mfaToken, challenge_type: 'otp oob' } })).body, { challenge_type: 'otp' });
  });
});

describe('the mfa-recovery-code grant (Auth0)', () => {
  test('a recovery code passes MFA once: the answer carries its replacement; the used one is refused after', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { recoveryCode } = await enrolOtp(tg);
    const res = await tg.token({ grant_type: MFA_RECOVERY, mfa_token: await mfaRequired(tg), recovery_code: recoveryCode.toLowerCase() }, { basic: webClient });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.recovery_code, /^[A-Z2-7]{24}$/);
    assert.notEqual(res.body.recovery_code, recoveryCode);
    assert.deepEqual(decodeJwt(res.body.id_token).amr, ['pwd', 'mfa']);
    assertError(await tg.token({ grant_type: MFA_RECOVERY, mfa_token: await mfaRequired(tg), recovery_code: recoveryCode }, { basic: webClient }), 400, 'invalid_grant');
    assert.equal((await tg.token({ grant_type: MFA_RECOVERY, mfa_token: await mfaRequired(tg), recovery_code: res.body.recovery_code }, { basic: webClient })).status, 200);
  });

  test('one recovery code raced in two logins (two mfa_tokens): exactly one passes, by the conditional replacement of its hash', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { recoveryCode } = await enrolOtp(tg);
    const mfaTokens = [await mfaRequired(tg), await mfaRequired(tg)];
    // Both held just before the write that replaces the code's hash: both have matched the code, so only that write
    // (WHERE secret = the hash it matched) can refuse one.
    const replacements = holdCalls(tg.store.mfa, 'replaceAuthenticatorSecret', 2);
    const results = await Promise.all(mfaTokens.map((mfaToken) => tg.token({ grant_type: MFA_RECOVERY, mfa_token: mfaToken, recovery_code: recoveryCode }, { basic: webClient })));
    assert.equal(replacements.calls, 2, 'both logins reached the replacement');
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400], JSON.stringify(results.map((r) => r.body)));
    const winner = results.find((r) => r.status === 200)!;
    assertError(results.find((r) => r.status === 400)!, 400, 'invalid_grant');
    assert.equal(results.find((r) => r.status === 400)!.body.access_token, undefined);
    assert.equal((await tg.token({ grant_type: MFA_RECOVERY, mfa_token: await mfaRequired(tg), recovery_code: winner.body.recovery_code }, { basic: webClient })).status, 200, 'the replacement the winner got works');
  });
});

describe('removing authenticators and the record of it all', () => {
  test('DELETE /mfa/authenticators/{id} needs an enroll-scoped access token: 204, then 404; an mfa_token cannot', async (t) => {
    const tg = await start(t, withMfa('if_enrolled'));
    const login = await tg.token({ ...aliceLogin, audience: MFA_AUDIENCE, scope: 'enroll' }, { basic: webClient });
    const enrolled = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: login.body.access_token, body: { ...webInBody, authenticator_types: ['otp'] } });
    const confirm = await tg.token({ grant_type: MFA_OTP, mfa_token: enrolled.body.mfa_token, otp: totpCode(enrolled.body.secret, NOW) }, { basic: webClient });
    assert.equal(confirm.status, 200);
    const mfaToken = await mfaRequired(tg);
    const otp = (await mfaApi(tg, 'GET', '/mfa/authenticators', { bearer: mfaToken })).body.find((a: any) => a.authenticator_type === 'otp');
    assertError(await mfaApi(tg, 'DELETE', `/mfa/authenticators/${encodeURIComponent(otp.id)}`, { bearer: mfaToken }), 401, 'invalid_token');
    const token = confirm.body.access_token;
    assert.equal((await mfaApi(tg, 'DELETE', `/mfa/authenticators/${encodeURIComponent(otp.id)}`, { bearer: token })).status, 204);
    assertError(await mfaApi(tg, 'DELETE', `/mfa/authenticators/${encodeURIComponent(otp.id)}`, { bearer: token }), 404, 'not_found');
    assert.equal((await tg.token(aliceLogin, { basic: webClient })).status, 200, 'no longer enrolled');
  });

  test('discovery lists the MFA grants and mfa_challenge_endpoint', async (t) => {
    const tg = await start(t);
    const doc = (await tg.app.inject({ url: '/.well-known/openid-configuration' })).json();
    assert.equal(doc.mfa_challenge_endpoint, `${ISSUER}/mfa/challenge`);
    for (const grant of [MFA_OTP, MFA_RECOVERY, 'http://auth0.com/oauth/grant-type/mfa-oob']) assert.ok(doc.grant_types_supported.includes(grant));
  });

  test('MFA events are recorded, and no mfa_token, secret or code appears in logs or events', async (t) => {
    const tg = await start(t, withMfa('always'));
    const { secret, recoveryCode } = await enrolOtp(tg);
    const mfaToken = await mfaRequired(tg);
    await tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: '999999' }, { basic: webClient });
    const types = (await tg.store.events.listEvents({ limit: 50 })).map((e) => e.type);
    for (const type of ['mfa.required', 'mfa.enrolled', 'mfa.success', 'mfa.failure']) assert.ok(types.includes(type as never), type);
    const everything = tg.logs.join('') + JSON.stringify(await tg.store.events.listEvents({ limit: 100 }));
    for (const secretValue of [secret, recoveryCode, mfaToken]) assert.ok(!everything.includes(secretValue));
    // Six digits alone could occur inside a timestamp: a code counts only where no digit borders it.
    for (const code of [totpCode(secret, NOW), '999999']) assert.doesNotMatch(everything, new RegExp(`(?<!\\d)${code}(?!\\d)`));
  });
});
