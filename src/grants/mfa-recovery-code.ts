/** Auth0's mfa-recovery-code grant: the way back when the factor is lost; the code is used up and a new one returned. */
import { InvalidGrantError, InvalidRequestError } from '../errors/oauth.ts';
import type { Grant } from './grant.ts';
import { MFA_GRANT_PARAMETERS, mfaExchange } from './mfa-exchange.ts';

export const mfaRecoveryCodeGrant: Grant = {
  grantType: 'http://auth0.com/oauth/grant-type/mfa-recovery-code',
  parameters: [...MFA_GRANT_PARAMETERS, 'recovery_code'],
  handle: (ctx) => mfaExchange(ctx, async ({ authenticators, admit }) => {
    const code = ctx.params.get('recovery_code');
    if (code === undefined) throw new InvalidRequestError('Missing required parameter: recovery_code.');
    const { mfa } = ctx.services;
    const authenticator = authenticators.find((a) => a.type === 'recovery-code' && a.activated_at !== null);
    const admission = await admit();
    if (!authenticator || !mfa.recoveryMatches(authenticator, code)) {
      throw await mfa.wrongAnswer(admission, 'wrong_recovery_code', 'Invalid recovery code.', ctx.request);
    }
    return {
      authenticator,
      amr: [],
      after: async () => {
        const next = await mfa.replaceRecoveryCode(authenticator);
        if (next === undefined) throw new InvalidGrantError('Invalid recovery code.', 'mfa.recovery_race_lost');
        return { recovery_code: next };
      },
    };
  }),
};
