/**
 * Out-of-band MFA over HTTP: codes by email through a real SMTP listener and by SMS through a local webhook, the
 * mfa-oob grant's polling answers (authorization_pending, slow_down: RFC 8628 §3.5's codes) and its refusals.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { aliceLogin, start, webClient, type Res, type TestTollgate } from '../helpers/tollgate.ts';
import { tokenHash } from '../../src/tokens/opaque.ts';
import { holdCalls } from '../helpers/barrier.ts';
import { MFA_OOB, mfaApi, startSmsWebhook, startSmtp, webInBody, withMfa, type Inbox } from '../helpers/mfa.ts';

function assertError(res: Res, status: number, error: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
}

async function mfaRequired(tg: TestTollgate): Promise<string> {
  const res = await tg.token({ ...aliceLogin, scope: 'openid' }, { basic: webClient });
  assertError(res, 403, 'mfa_required');
  return res.body.mfa_token;
}

async function emailTollgate(t: Parameters<typeof start>[0]): Promise<{ tg: TestTollgate; inbox: Inbox }> {
  const smtp = await startSmtp(t);
  const tg = await start(t, withMfa('always', (c) => {
    c.connections![0]!.mfa = { policy: 'always', factors: ['email', 'recovery-code'] };
    c.mfa = { email: { smtp: smtp.url, from: 'Tollgate <no-reply@example.com>' } };
  }));
  return { tg, inbox: smtp.inbox };
}

/** Enrols alice's email with her first mfa_token and confirms it with the mailed code. */
async function enrolEmail(tg: TestTollgate, inbox: Inbox): Promise<void> {
  const mfaToken = await mfaRequired(tg);
  const res = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: mfaToken, body: { ...webInBody, authenticator_types: ['oob'], oob_channels: ['email'] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const { code } = await inbox.latest();
  const confirmed = await tg.token({ grant_type: MFA_OOB, mfa_token: mfaToken, oob_code: res.body.oob_code, binding_code: code }, { basic: webClient });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
}

/** Alice, enrolled by email, logs in again and asks for a code: her mfa_token, the oob_code and the mailed code. */
async function emailChallenge(tg: TestTollgate, inbox: Inbox): Promise<{ mfaToken: string; oobCode: string; code: string }> {
  await enrolEmail(tg, inbox);
  const mfaToken = await mfaRequired(tg);
  const challenge = await mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: mfaToken, challenge_type: 'oob' } });
  assert.equal(challenge.body.challenge_type, 'oob', JSON.stringify(challenge.body));
  assert.equal(challenge.body.binding_method, 'prompt');
  return { mfaToken, oobCode: challenge.body.oob_code, code: (await inbox.latest()).code };
}

describe('email one-time codes (SMTP)', () => {
  test('associate oob/email sends a code to the user\'s address; the mfa-oob grant with it confirms the authenticator and answers tokens (amr mfa, email)', async (t) => {
    const { tg, inbox } = await emailTollgate(t);
    const mfaToken = await mfaRequired(tg);
    const res = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: mfaToken, body: { ...webInBody, authenticator_types: ['oob'], oob_channels: ['email'] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.authenticator_type, 'oob');
    assert.equal(res.body.oob_channel, 'email');
    assert.equal(res.body.binding_method, 'prompt');
    assert.ok(res.body.oob_code && res.body.recovery_codes.length === 1);
    const mail = await inbox.latest();
    assert.equal(mail.to, 'alice@example.com');
    const tokens = await tg.token({ grant_type: MFA_OOB, mfa_token: mfaToken, oob_code: res.body.oob_code, binding_code: mail.code }, { basic: webClient });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.deepEqual(decodeJwt(tokens.body.id_token).amr, ['pwd', 'mfa', 'email']);
    const [email] = (await mfaApi(tg, 'GET', '/mfa/authenticators', { bearer: await mfaRequired(tg) })).body.filter((a: any) => a.authenticator_type === 'oob');
    assert.deepEqual({ ...email, id: undefined }, { id: undefined, authenticator_type: 'oob', oob_channel: 'email', name: 'a***@e***.com', active: true });
  });

  test('polling: without binding_code, authorization_pending; sooner than every 5 s, slow_down; a wrong code invalid_grant; the right one tokens, once', async (t) => {
    const { tg, inbox } = await emailTollgate(t);
    const { mfaToken, oobCode, code } = await emailChallenge(tg, inbox);
    const grant = (extra: Record<string, string>) => tg.token({ grant_type: MFA_OOB, mfa_token: mfaToken, oob_code: oobCode, ...extra }, { basic: webClient });
    assertError(await grant({}), 400, 'authorization_pending');
    assertError(await grant({}), 400, 'slow_down');
    tg.advance(5);
    assertError(await grant({}), 400, 'authorization_pending');
    assertError(await grant({ binding_code: code === '000000' ? '000001' : '000000' }), 400, 'invalid_grant');
    assert.equal((await grant({ binding_code: code })).status, 200);
    assertError(await grant({ binding_code: code }), 400, 'invalid_grant');
  });

  test('two answers with the right code raced: exactly one gets tokens (the oob_code and the mfa_token are each consumed in one conditional write)', async (t) => {
    const { tg, inbox } = await emailTollgate(t);
    const { mfaToken, oobCode, code } = await emailChallenge(tg, inbox);
    // Held just before the oob_code's consuming write: both have found the code live and the binding code right.
    const consumes = holdCalls(tg.store.mfa, 'consumeOobChallenge', 2);
    const results = await Promise.all([1, 2].map(() => tg.token({ grant_type: MFA_OOB, mfa_token: mfaToken, oob_code: oobCode, binding_code: code }, { basic: webClient })));
    assert.equal(consumes.calls, 2, 'both answers reached the conditional write');
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400], JSON.stringify(results.map((r) => r.body)));
    assertError(results.find((r) => r.status === 400)!, 400, 'invalid_grant');
  });

  test('an oob_code expires with mfa.code_ttl (5 minutes), and belongs to the mfa_token it was made for', async (t) => {
    const { tg, inbox } = await emailTollgate(t);
    const { mfaToken: first, oobCode, code } = await emailChallenge(tg, inbox);
    const other = await mfaRequired(tg);
    assertError(await tg.token({ grant_type: MFA_OOB, mfa_token: other, oob_code: oobCode, binding_code: code }, { basic: webClient }), 400, 'invalid_grant');
    tg.advance(300);
    assertError(await tg.token({ grant_type: MFA_OOB, mfa_token: first, oob_code: oobCode, binding_code: code }, { basic: webClient }), 400, 'invalid_grant');
    assertError(await tg.token({ grant_type: MFA_OOB, mfa_token: first, binding_code: code }, { basic: webClient }), 400, 'invalid_request');
  });

  test('the binding code is kept only as a keyed MAC, and no code reaches logs or events, sent or answered (right or wrong)', async (t) => {
    const { tg, inbox } = await emailTollgate(t);
    const { mfaToken, oobCode, code } = await emailChallenge(tg, inbox);
    const stored = await tg.store.mfa.findOobChallenge(tokenHash(oobCode));
    assert.ok(stored && !JSON.stringify(stored).includes(code));
    // The codes travel to the token endpoint too: a wrong one, then the right one.
    const wrong = code === '000000' ? '000001' : '000000';
    assertError(await tg.token({ grant_type: MFA_OOB, mfa_token: mfaToken, oob_code: oobCode, binding_code: wrong }, { basic: webClient }), 400, 'invalid_grant');
    assert.equal((await tg.token({ grant_type: MFA_OOB, mfa_token: mfaToken, oob_code: oobCode, binding_code: code }, { basic: webClient })).status, 200);
    const everything = tg.logs.join('') + JSON.stringify(await tg.store.events.listEvents({ limit: 100 }));
    assert.ok(everything.includes('mfa.failure') && everything.includes('mfa.success'), 'the answers were recorded');
    // Six digits alone could occur inside a timestamp: a code counts only where no digit borders it.
    for (const value of [code, wrong]) assert.doesNotMatch(everything, new RegExp(`(?<!\\d)${value}(?!\\d)`));
    for (const value of [oobCode, mfaToken]) assert.ok(!everything.includes(value));
    assert.ok((await tg.store.events.listEvents({ type: 'mfa.challenge_sent', limit: 5 })).length === 1);
  });
});

describe('SMS one-time codes (webhook)', () => {
  test('associate oob/sms posts the code to the webhook with its Authorization header; the grant answers tokens (amr mfa, sms)', async (t) => {
    const sms = await startSmsWebhook(t);
    const tg = await start(t, withMfa('always', (c) => {
      c.connections![0]!.mfa = { policy: 'always', factors: ['sms'] };
      c.mfa = { sms: { webhook: sms.url, authorization: 'Bearer webhook-secret' } };
    }));
    const mfaToken = await mfaRequired(tg);
    assertError(await mfaApi(tg, 'POST', '/mfa/associate', { bearer: mfaToken, body: { ...webInBody, authenticator_types: ['oob'], oob_channels: ['sms'], phone_number: '0155' } }), 400, 'invalid_request');
    const res = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: mfaToken, body: { ...webInBody, authenticator_types: ['oob'], oob_channels: ['sms'], phone_number: '+14155550100' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.recovery_codes, undefined, 'recovery codes are not among this connection\'s factors');
    const text = await sms.inbox.latest();
    assert.equal(text.to, '+14155550100');
    assert.deepEqual(sms.authorizations, ['Bearer webhook-secret']);
    const tokens = await tg.token({ grant_type: MFA_OOB, mfa_token: mfaToken, oob_code: res.body.oob_code, binding_code: text.code }, { basic: webClient });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.deepEqual(decodeJwt(tokens.body.id_token).amr, ['pwd', 'mfa', 'sms']);
  });

  test('mfa.send_limit: past a user\'s allowance of codes, /mfa/challenge answers 429 too_many_attempts with Retry-After and sends nothing; it refills evenly', async (t) => {
    const sms = await startSmsWebhook(t);
    const tg = await start(t, withMfa('always', (c) => {
      c.connections![0]!.mfa = { policy: 'always', factors: ['sms'] };
      c.mfa = { sms: { webhook: sms.url }, send_limit: { codes: 3, per: 3600 } };
    }));
    const first = await mfaRequired(tg);
    const enrolled = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: first, body: { ...webInBody, authenticator_types: ['oob'], oob_channels: ['sms'], phone_number: '+14155550100' } });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    const confirmed = await tg.token({ grant_type: MFA_OOB, mfa_token: first, oob_code: enrolled.body.oob_code, binding_code: (await sms.inbox.latest()).code }, { basic: webClient });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));

    const mfaToken = await mfaRequired(tg);
    const challenge = (token = mfaToken) => mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: token, challenge_type: 'oob' } });
    for (let sent = 2; sent <= 3; sent++) assert.equal((await challenge()).status, 200, `code ${sent} of 3, the enrolment's included`);
    const refused = await challenge();
    assertError(refused, 429, 'too_many_attempts');
    assert.equal(refused.headers['retry-after'], '1200', 'one code every 3600 / 3 seconds');
    assert.equal(sms.authorizations.length, 3, 'nothing was sent for the refused challenge');
    const [event] = await tg.store.events.listEvents({ type: 'mfa.throttled', limit: 5 });
    assert.equal(event?.reason, 'too_many_sends');

    tg.advance(1200);
    const later = await mfaRequired(tg);
    assert.equal((await challenge(later)).status, 200, 'the allowance refilled by one code');
    assertError(await challenge(later), 429, 'too_many_attempts');
  });

  test('a webhook that fails is a 503 temporarily_unavailable, never a 500', async (t) => {
    const sms = await startSmsWebhook(t);
    sms.setStatus(500);
    const tg = await start(t, withMfa('always', (c) => {
      c.connections![0]!.mfa = { policy: 'always', factors: ['sms'] };
      c.mfa = { sms: { webhook: sms.url } };
    }));
    const res = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: await mfaRequired(tg), body: { ...webInBody, authenticator_types: ['oob'], oob_channels: ['sms'], phone_number: '+14155550100' } });
    assertError(res, 503, 'temporarily_unavailable');
  });
});
