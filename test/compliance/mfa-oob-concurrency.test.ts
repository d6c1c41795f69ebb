/**
 * Texted codes under concurrency, on every store: `mfa.send_limit` sends exactly its allowance however many
 * /mfa/challenge or /mfa/associate calls arrive at once, a refused call spends none of it, and the answers to a texted
 * code keep the per-mfa_token limit exactly. Parallel calls are held at the user's authenticators being listed (the
 * last read before the allowance is taken or the answer checked) until every one has arrived; the texts are counted
 * at the SMS webhook.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/config/schema.ts';
import { StoreUnavailableError } from '../../src/storage/errors.ts';
import type { EventType } from '../../src/model/events.ts';
import { webClient, type Res, type TestTollgate } from '../helpers/tollgate.ts';
import { MFA_OOB, mfaApi, mfaRequired, startSmsWebhook, webInBody, withMfa } from '../helpers/mfa.ts';
import { Barrier, holdAt, holdCalls } from '../helpers/barrier.ts';
import { BACKENDS, startOn, type Backend } from '../helpers/backends.ts';

const TOO_MANY_SENT = { error: 'too_many_attempts', error_description: 'Too many verification codes sent; try again later.' };
const PHONE = '+14155550100';

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

async function eventCount(tg: TestTollgate, type: EventType): Promise<number> {
  return (await tg.store.events.listEvents({ type, limit: 1000 })).length;
}

const tally = (results: Res[]) => results.reduce<Record<string, number>>((counts, r) => {
  const key = `${r.status} ${r.body.error ?? 'ok'}`;
  counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}, {});

/**
 * `calls`, all held at the last read before the allowance is taken or the answer checked, until every one is there;
 * with `atAllowance`, held once more where the allowance is taken from (or looked at), so all read it before any sends.
 */
async function together(tg: TestTollgate, calls: (() => Promise<Res>)[], atAllowance = false): Promise<Res[]> {
  const held = holdCalls(tg.store.mfa, 'listAuthenticators', calls.length);
  if (atAllowance) {
    const allowance = new Barrier();
    allowance.arm(calls.length);
    holdAt(allowance, tg.store.attempts, 'takeFromBucket', (bucket: string) => bucket.startsWith('mfa-send:'));
  }
  const results = await Promise.all(calls.map((call) => call()));
  assert.equal(held.calls, calls.length, 'every call reached the point just before the limit is applied');
  return results;
}

/** A server whose customers answer MFA by text, with `codes` texts per user per hour. */
async function smsTollgate(t: Parameters<typeof startOn>[0], backend: Backend, codes: number) {
  const sms = await startSmsWebhook(t);
  const tg = await startOn(t, backend, withMfa('always', (c: ConfigInput) => {
    c.connections![0]!.mfa = { policy: 'always', factors: ['sms'] };
    c.mfa = { sms: { webhook: sms.url }, send_limit: { codes, per: 3600 } };
  }));
  const associate = (mfaToken: string, phone = PHONE) => mfaApi(tg, 'POST', '/mfa/associate', {
    bearer: mfaToken, body: { ...webInBody, authenticator_types: ['oob'], oob_channels: ['sms'], phone_number: phone },
  });
  const challenge = (mfaToken: string) => mfaApi(tg, 'POST', '/mfa/challenge', { body: { ...webInBody, mfa_token: mfaToken, challenge_type: 'oob' } });
  /** Texts the webhook received. */
  const sent = () => sms.authorizations.length;
  return { tg, sms, associate, challenge, sent };
}

/** Alice enrolled by text (one text spent), then logging in again: her mfa_token, an oob_code and the texted code. */
async function textedCode(kit: Awaited<ReturnType<typeof smsTollgate>>): Promise<{ mfaToken: string; oobCode: string; code: string }> {
  const { tg, sms, associate, challenge } = kit;
  const first = await mfaRequired(tg);
  const enrolled = await associate(first);
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
  const confirmed = await tg.token({ grant_type: MFA_OOB, mfa_token: first, oob_code: enrolled.body.oob_code, binding_code: (await sms.inbox.latest()).code }, { basic: webClient });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  const mfaToken = await mfaRequired(tg);
  const challenged = await challenge(mfaToken);
  assert.equal(challenged.status, 200, JSON.stringify(challenged.body));
  return { mfaToken, oobCode: challenged.body.oob_code, code: (await sms.inbox.latest()).code };
}

function assertSendRefusals(results: Res[]): void {
  for (const refused of results.filter((r) => r.status === 429)) {
    assert.deepEqual(refused.body, TOO_MANY_SENT);
    assert.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After: ${refused.headers['retry-after']}`);
  }
}

for (const backend of BACKENDS) {
  describe(`texted codes under concurrency, ${backend.name}`, () => {
    test('mfa.send_limit 4: after the enrolment\'s text, 12 parallel /mfa/challenge calls send exactly 3 texts; the other 9 get 429 with Retry-After', async (t) => {
      const kit = await smsTollgate(t, backend, 4);
      const { tg, associate, challenge, sent } = kit;
      const first = await mfaRequired(tg);
      const enrolled = await associate(first);
      await tg.token({ grant_type: MFA_OOB, mfa_token: first, oob_code: enrolled.body.oob_code, binding_code: (await kit.sms.inbox.latest()).code }, { basic: webClient });
      const mfaToken = await mfaRequired(tg);
      const results = await together(tg, times(12, () => () => challenge(mfaToken)), true);
      assert.equal(sent() - 1, 3, `texts sent for the challenges; answers: ${JSON.stringify(tally(results))}`);
      assert.deepEqual(tally(results), { '200 ok': 3, '429 too_many_attempts': 9 });
      assertSendRefusals(results);
      assert.equal(await eventCount(tg, 'mfa.challenge_sent'), 3);
    });

    test('mfa.send_limit 3: 12 parallel /mfa/associate calls by text send exactly 3 texts; the other 9 get 429 with Retry-After', async (t) => {
      const { tg, associate, sent } = await smsTollgate(t, backend, 3);
      const mfaToken = await mfaRequired(tg);
      const results = await together(tg, times(12, () => () => associate(mfaToken)), true);
      assert.equal(sent(), 3, `texts sent; answers: ${JSON.stringify(tally(results))}`);
      assert.deepEqual(tally(results), { '200 ok': 3, '429 too_many_attempts': 9 });
      assertSendRefusals(results);
    });

    test('20 parallel wrong answers to one texted code: exactly 5 are checked and the mfa_token is spent; 20 right ones: exactly one gets tokens, none refused by a limit', async (t) => {
      const kit = await smsTollgate(t, backend, 10);
      const { tg } = kit;
      const { mfaToken, oobCode, code } = await textedCode(kit);
      const answer = (mfa_token: string, oob_code: string, binding_code: string) => () => tg.token({ grant_type: MFA_OOB, mfa_token, oob_code, binding_code }, { basic: webClient });
      const wrong = await together(tg, times(20, () => answer(mfaToken, oobCode, code === '000000' ? '000001' : '000000')));
      assert.equal(await eventCount(tg, 'mfa.failure'), 5, `wrong codes checked; answers: ${JSON.stringify(tally(wrong))}`);
      assert.deepEqual(tally(wrong), { '400 invalid_grant': 20 });
      assert.equal((await answer(mfaToken, oobCode, code)()).status, 400, 'five wrong codes end the mfa_token');

      const next = await mfaRequired(tg);
      const challenged = await kit.challenge(next);
      const rightCode = (await kit.sms.inbox.latest()).code;
      const right = await together(tg, times(20, () => answer(next, challenged.body.oob_code, rightCode)));
      assert.deepEqual(tally(right), { '200 ok': 1, '400 invalid_grant': 19 });
      assert.equal(await eventCount(tg, 'mfa.failure'), 5, 'no right answer counted as wrong');
      assert.equal(await eventCount(tg, 'mfa.throttled'), 0);
      // The user's bucket lost only the five wrong answers: five more are checked, then even a challenge is refused.
      const last = await mfaRequired(tg);
      const { body } = await kit.challenge(last);
      const wrongCode = (await kit.sms.inbox.latest()).code === '000000' ? '000001' : '000000';
      for (let i = 0; i < 5; i++) assert.equal((await answer(last, body.oob_code, wrongCode)()).status, 400, `wrong answer ${i + 6}`);
      const refused = await kit.challenge(await mfaRequired(tg));
      assert.deepEqual([refused.status, refused.body.error], [429, 'too_many_attempts']);
    });

    test('a challenge that fails before its code is sent spends none of the allowance (send_limit 2: the enrolment, a failed challenge, then one that sends)', async (t) => {
      const kit = await smsTollgate(t, backend, 2);
      const { tg, challenge, sent } = kit;
      const first = await mfaRequired(tg);
      const enrolled = await kit.associate(first);
      await tg.token({ grant_type: MFA_OOB, mfa_token: first, oob_code: enrolled.body.oob_code, binding_code: (await kit.sms.inbox.latest()).code }, { basic: webClient });
      const mfaToken = await mfaRequired(tg);
      const create = tg.store.mfa.createOobChallenge;
      tg.store.mfa.createOobChallenge = async () => { throw new StoreUnavailableError(); };
      const failed = await challenge(mfaToken);
      tg.store.mfa.createOobChallenge = create;
      assert.deepEqual([failed.status, failed.body.error], [503, 'temporarily_unavailable']);
      const good = await challenge(mfaToken);
      assert.equal(good.status, 200, JSON.stringify(good.body));
      assert.equal(sent(), 2);
    });

    test('a call refused before anything is sent spends none of the allowance (send_limit 1: a bad phone number, then a good one)', async (t) => {
      const { tg, associate, sent } = await smsTollgate(t, backend, 1);
      const mfaToken = await mfaRequired(tg);
      const bad = await associate(mfaToken, '0155');
      assert.deepEqual([bad.status, bad.body.error], [400, 'invalid_request']);
      const good = await associate(mfaToken);
      assert.equal(good.status, 200, JSON.stringify(good.body));
      assert.equal(sent(), 1);
    });
  });
}
