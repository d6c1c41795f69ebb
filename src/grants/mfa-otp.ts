/** Auth0's mfa-otp grant: the second step answered with a TOTP code (RFC 6238), each code accepted once. */
import { InvalidRequestError } from '../errors/oauth.ts';
import type { Grant } from './grant.ts';
import { MFA_GRANT_PARAMETERS, mfaExchange } from './mfa-exchange.ts';

export const mfaOtpGrant: Grant = {
  grantType: 'http://auth0.com/oauth/grant-type/mfa-otp',
  parameters: [...MFA_GRANT_PARAMETERS, 'otp'],
  handle: (ctx) => mfaExchange(ctx, async ({ authenticators, admit }) => {
    const otp = ctx.params.get('otp');
    if (otp === undefined) throw new InvalidRequestError('Missing required parameter: otp.');
    const { mfa } = ctx.services;
    const admission = await admit();
    const match = await mfa.matchOtp(authenticators.filter((a) => a.type === 'otp'), otp);
    if (!match) throw await mfa.wrongAnswer(admission, 'wrong_otp', 'Invalid otp_code.', ctx.request);
    // RFC 6238 §5.2: a code already used must be refused, or a code seen over a shoulder works twice.
    if (match.replayed) throw await mfa.wrongAnswer(admission, 'replayed_otp', 'Invalid otp_code.', ctx.request);
    return { authenticator: match.authenticator, amr: ['otp'] };
  }),
};
