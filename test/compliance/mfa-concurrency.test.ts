/**
 * MFA answer limits under concurrency: five wrong answers per mfa_token, and per user a bucket of ten wrong answers,
 * hold exactly however many answers arrive at once, on every store. Each test holds its parallel answers at the
 * user's authenticators being listed, the last read before the answer is checked, until every one has arrived: each
 * has then found the mfa_token live and the user's bucket full, and only what the server reserves before checking
 * can keep the count. The wrong answers checked are counted by their `mfa.failure` events.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventType } from '../../src/model/events.ts';
import { totpCode } from '../../src/mfa/totp.ts';
import { tokenHash } from '../../src/tokens/opaque.ts';
import { NOW, webClient, type Res, type TestTollgate } from '../helpers/tollgate.ts';
import { MFA_OTP, MFA_RECOVERY, enrolOtp, mfaRequired, withMfa } from '../helpers/mfa.ts';
import { Barrier, holdAt, holdCalls } from '../helpers/barrier.ts';
import { BACKENDS, startOn } from '../helpers/backends.ts';
import { start } from '../helpers/tollgate.ts';
import { createDatabase, databaseUrl } from '../helpers/postgres.ts';
import { REDIS_URL, deleteUnder, testPrefix } from '../helpers/redis.ts';
import { openPostgres } from '../../src/storage/postgres/store.ts';

const TOO_MANY = { error: 'too_many_attempts', error_description: 'Too many wrong verification codes; try again later.' };
const INVALID_TOKEN = { error: 'invalid_grant', error_description: 'The mfa_token is invalid or expired.' };

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

async function eventCount(tg: TestTollgate, type: EventType): Promise<number> {
  return (await tg.store.events.listEvents({ type, limit: 1000 })).length;
}

/** A six-digit code that is not `right`. */
const otherThan = (right: string) => (right === '000000' ? '000001' : '000000');

/**
 * `answers`, all held at the last read before the answer is checked until every one has arrived there; with
 * `atBucket`, held once more where the user's bucket is taken from (or looked at), so every answer reads it before
 * any is checked.
 */
async function together(tg: TestTollgate, answers: (() => Promise<Res>)[], atBucket = false): Promise<Res[]> {
  const held = holdCalls(tg.store.mfa, 'listAuthenticators', answers.length);
  if (atBucket) holdAtUserBucket(tg, armed(answers.length));
  const results = await Promise.all(answers.map((answer) => answer()));
  assert.equal(held.calls, answers.length, 'every answer reached the point just before its check');
  return results;
}

function armed(count: number): Barrier {
  const barrier = new Barrier();
  barrier.arm(count);
  return barrier;
}

function holdAtUserBucket(tg: TestTollgate, barrier: Barrier): void {
  holdAt(barrier, tg.store.attempts, 'takeFromBucket', (bucket: string) => bucket.startsWith('mfa:'));
}

const tally = (results: Res[]) => results.reduce<Record<string, number>>((counts, r) => {
  const key = `${r.status} ${r.body.error ?? 'tokens'}`;
  counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}, {});

for (const backend of BACKENDS) {
  describe(`MFA answers under concurrency, ${backend.name}`, () => {
    test('20 parallel wrong OTP codes with one mfa_token: exactly 5 are checked, every answer is invalid_grant, and the token is spent', async (t) => {
      const tg = await startOn(t, backend, withMfa('always'));
      const { secret } = await enrolOtp(tg);
      tg.advance(30);
      const mfaToken = await mfaRequired(tg);
      const wrong = otherThan(totpCode(secret, NOW + 30));
      const results = await together(tg, times(20, () => () => tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: wrong }, { basic: webClient })));
      assert.equal(await eventCount(tg, 'mfa.failure'), 5, `wrong codes checked; answers: ${JSON.stringify(tally(results))}`);
      assert.deepEqual(tally(results), { '400 invalid_grant': 20 });
      const right = await tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: totpCode(secret, NOW + 30) }, { basic: webClient });
      assert.deepEqual([right.status, right.body], [400, INVALID_TOKEN], 'five wrong codes end the mfa_token, even for the right code after them');
    });

    test('30 parallel wrong answers of one user over 6 mfa_tokens (OTP and recovery codes): exactly 10 are checked, the other 20 get 429 too_many_attempts with Retry-After', async (t) => {
      const tg = await startOn(t, backend, withMfa('always'));
      const { secret } = await enrolOtp(tg);
      tg.advance(30);
      const mfaTokens: string[] = [];
      for (let i = 0; i < 6; i++) mfaTokens.push(await mfaRequired(tg));
      const wrong = otherThan(totpCode(secret, NOW + 30));
      const results = await together(tg, times(30, (i) => () => tg.token(i % 2 === 0
        ? { grant_type: MFA_OTP, mfa_token: mfaTokens[i % 6]!, otp: wrong }
        : { grant_type: MFA_RECOVERY, mfa_token: mfaTokens[i % 6]!, recovery_code: 'WRONGWRONGWRONGWRONGWRON' }, { basic: webClient })), true);
      assert.equal(await eventCount(tg, 'mfa.failure'), 10, `wrong answers checked; answers: ${JSON.stringify(tally(results))}`);
      assert.deepEqual(tally(results), { '400 invalid_grant': 10, '429 too_many_attempts': 20 });
      for (const refused of results.filter((r) => r.status === 429)) {
        assert.deepEqual(refused.body, TOO_MANY);
        assert.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After: ${refused.headers['retry-after']}`);
      }
      assert.equal(await eventCount(tg, 'mfa.throttled'), 20);
      const failures = await Promise.all(mfaTokens.map(async (token) => (await tg.store.mfa.findMfaToken(tokenHash(token)))!.failures));
      assert.equal(failures.reduce((a, b) => a + b), 10, `the tokens count only the answers checked: ${failures.join(',')}`);
      const right = await tg.token({ grant_type: MFA_OTP, mfa_token: await mfaRequired(tg), otp: totpCode(secret, NOW + 30) }, { basic: webClient });
      assert.deepEqual([right.status, right.body], [429, TOO_MANY], 'the bucket is empty: even a right code waits for a refill');
    });

    test('20 parallel right answers with one mfa_token: exactly one gets tokens, the others invalid_grant; none is refused by a limit, and the user\'s bucket is still full', async (t) => {
      const tg = await startOn(t, backend, withMfa('always'));
      const { secret, recoveryCode } = await enrolOtp(tg);
      const mfaToken = await mfaRequired(tg);
      const results = await together(tg, times(20, () => () => tg.token({ grant_type: MFA_RECOVERY, mfa_token: mfaToken, recovery_code: recoveryCode }, { basic: webClient })));
      assert.deepEqual(tally(results), { '200 tokens': 1, '400 invalid_grant': 19 });
      assert.equal(await eventCount(tg, 'mfa.failure'), 0, 'a right answer is no wrong answer');
      assert.equal(await eventCount(tg, 'mfa.throttled'), 0);
      // Nothing was taken from the bucket: ten wrong codes are still checked before the eleventh answer is refused.
      tg.advance(30);
      const wrong = otherThan(totpCode(secret, NOW + 30));
      for (const token of [await mfaRequired(tg), await mfaRequired(tg)]) {
        for (let i = 0; i < 5; i++) assert.equal((await tg.token({ grant_type: MFA_OTP, mfa_token: token, otp: wrong }, { basic: webClient })).status, 400);
      }
      assert.equal(await eventCount(tg, 'mfa.failure'), 10);
      assert.equal((await tg.token({ grant_type: MFA_OTP, mfa_token: await mfaRequired(tg), otp: wrong }, { basic: webClient })).status, 429);
    });
  });
}

test('two nodes sharing PostgreSQL and Redis: 30 wrong answers of one user over 6 mfa_tokens, split between the nodes and held together, check exactly 10', async (t) => {
  const database = await createDatabase();
  const prefix = testPrefix();
  t.after(() => deleteUnder(prefix));
  const node = async () => start(t, withMfa('always', (c) => {
    c.cache = REDIS_URL;
    c.cache_prefix = prefix;
    c.mfa = { encryption_keys: ['shared-key-of-both-nodes-0123456789abcdef'] };
  }), { store: await openPostgres(databaseUrl(database)) });
  const nodes = [await node(), await node()];
  const { secret } = await enrolOtp(nodes[0]!);
  for (const tg of nodes) tg.advance(30);
  const mfaTokens: string[] = [];
  for (let i = 0; i < 6; i++) mfaTokens.push(await mfaRequired(nodes[i % 2]!));
  const wrong = otherThan(totpCode(secret, NOW + 30));
  // One barrier for both nodes at each point: every answer, on either node, has read before any is checked.
  const [lists, buckets] = [armed(30), armed(30)];
  for (const tg of nodes) {
    holdAt(lists, tg.store.mfa, 'listAuthenticators');
    holdAtUserBucket(tg, buckets);
  }
  const results = await Promise.all(times(30, (i) => nodes[i % 2]!.token({ grant_type: MFA_OTP, mfa_token: mfaTokens[i % 6]!, otp: wrong }, { basic: webClient })));
  assert.equal(await eventCount(nodes[0]!, 'mfa.failure'), 10, `wrong answers checked; answers: ${JSON.stringify(tally(results))}`);
  assert.deepEqual(tally(results), { '400 invalid_grant': 10, '429 too_many_attempts': 20 });
});
