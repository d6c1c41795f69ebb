/**
 * Auth0's mfa-oob grant: the second step answered with the code sent by email or SMS (binding_method "prompt").
 * Polled without the code it answers authorization_pending, or slow_down when polled faster than the interval
 * (RFC 8628 §3.5's codes).
 */
import { AuthorizationPendingError, InvalidGrantError, InvalidRequestError, SlowDownError } from '../errors/oauth.ts';
import type { Grant } from './grant.ts';
import { MFA_GRANT_PARAMETERS, mfaExchange } from './mfa-exchange.ts';
import { tokenHash } from '../tokens/opaque.ts';

export const OOB_POLL_INTERVAL = 5;

export const mfaOobGrant: Grant = {
  grantType: 'http://auth0.com/oauth/grant-type/mfa-oob',
  parameters: [...MFA_GRANT_PARAMETERS, 'oob_code', 'binding_code'],
  handle: (ctx) => mfaExchange(ctx, async ({ record, authenticators, admit }) => {
    const oobCode = ctx.params.get('oob_code');
    if (oobCode === undefined) throw new InvalidRequestError('Missing required parameter: oob_code.');
    const { mfa, now } = ctx.services;
    const challenge = await mfa.findOobChallenge(tokenHash(oobCode));
    const authenticator = authenticators.find((a) => a.id === challenge?.authenticator_id);
    if (!challenge || !authenticator || challenge.mfa_token_id !== record.id || challenge.consumed_at !== null || challenge.expires_at <= now()) {
      throw new InvalidGrantError('The oob_code is invalid or expired.', challenge ? 'mfa.oob_not_live' : 'mfa.oob_unknown');
    }
    const binding = ctx.params.get('binding_code');
    if (binding === undefined) {
      if (!(await mfa.pollOobChallenge(challenge.id, now(), OOB_POLL_INTERVAL))) throw new SlowDownError(OOB_POLL_INTERVAL);
      throw new AuthorizationPendingError();
    }
    const admission = await admit();
    if (!mfa.bindingMatches(challenge, binding)) throw await mfa.wrongAnswer(admission, 'wrong_binding_code', 'Invalid binding_code.', ctx.request);
    if (!(await mfa.consumeOobChallenge(challenge.id, now()))) throw new InvalidGrantError('The oob_code is invalid or expired.', 'mfa.oob_race_lost');
    return { authenticator, amr: [authenticator.oob_channel!] };
  }),
};
