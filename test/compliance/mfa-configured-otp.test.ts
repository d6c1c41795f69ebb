/** users[].otp_secret: a TOTP authenticator enrolled from the configuration, confirmed, answering mfa_required. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { enrolConfiguredOtp } from '../../src/mfa/configured-otp.ts';
import { secretBoxFor } from '../../src/mfa/secret-box.ts';
import { totpCode } from '../../src/mfa/totp.ts';
import { MFA_OTP, mfaApi, withMfa } from '../helpers/mfa.ts';
import { NOW, aliceLogin, baseConfig, start, webClient } from '../helpers/tollgate.ts';

const SECRET = 'JBSWY3DPEHPK3PXP';

const withOtpSecret = withMfa('always', (c) => {
  c.users = c.users!.map((u) => (u.connection === 'customers' && u.username === 'alice' ? { ...u, otp_secret: SECRET } : u));
});

test('a configured OTP secret is enrolled, active, and its codes finish the login; started again, nothing more is enrolled', async (t) => {
  const tg = await start(t, withOtpSecret);
  const res = await tg.token(aliceLogin, { basic: webClient });
  assert.equal(res.status, 403);
  assert.equal(res.body.error, 'mfa_required');
  const listed = await mfaApi(tg, 'GET', '/mfa/authenticators', { bearer: res.body.mfa_token });
  assert.deepEqual(listed.body.map((a: { authenticator_type: string; active: boolean }) => [a.authenticator_type, a.active]), [['otp', true]]);
  const wrong = await tg.token({ grant_type: MFA_OTP, mfa_token: res.body.mfa_token, otp: totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY', NOW) }, { basic: webClient });
  assert.equal(wrong.body.error, 'invalid_grant');
  const done = await tg.token({ grant_type: MFA_OTP, mfa_token: res.body.mfa_token, otp: totpCode(SECRET, NOW) }, { basic: webClient });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  // The next start runs the same enrolment over the same store: the user has an OTP authenticator, so none is added.
  await enrolConfiguredOtp(tg.store, tg.config, secretBoxFor({ storage: 'postgres://x', mfa: { encryption_keys: ['k'.repeat(32)] } }), NOW);
  const user = await tg.store.users.findUserByLogin('customers', 'alice');
  assert.equal((await tg.store.mfa.listAuthenticators(user!.id)).length, 1);
});

test('otp_secret must be base32 of at least 80 bits', () => {
  for (const secret of ['JBSWY3DPEHPK3PX', 'jbswy3dpehpk3pxp', 'JBSWY3DPEHPK3PX1', 'JBSWY3DPEHPK3PXP====']) {
    const config = baseConfig();
    config.users![0] = { ...config.users![0]!, otp_secret: secret };
    assert.throws(() => parseConfig(config, 'test', {}), /users\[0\]\.otp_secret: must be 16-128 base32/, secret);
  }
});
