/** builtin/mfa-unless-ip: requires a second factor unless the end user's IP is in one of the listed ranges (an office, a VPN). */
import { z } from 'zod';
import { IpList, isIpOrCidr } from '../../protection/ip-list.ts';
import type { Action } from '../types.ts';

export const mfaUnlessIpSettings = z.strictObject({
  allow: z.array(z.string().refine(isIpOrCidr, { error: 'must be an IP address or a CIDR range such as 10.0.0.0/8' })).min(1)
    .describe('IPs and CIDR ranges from which no second factor is asked.'),
  factor: z.enum(['any', 'otp', 'email', 'sms']).default('any').describe('The factor asked for elsewhere (any: whichever the connection allows).'),
});

export function mfaUnlessIp(settings: z.output<typeof mfaUnlessIpSettings>): Action['onExecutePostLogin'] {
  const trusted = new IpList(settings.allow);
  return (event, api) => {
    if (!trusted.has(event.request.ip)) api.multifactor.enable(settings.factor);
  };
}
