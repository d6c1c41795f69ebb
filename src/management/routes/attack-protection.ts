/** /attack-protection/*: Auth0's attack-protection settings, read and changed in part (docs/management.md). */
import type { z } from 'zod';
import { ATTACK_PROTECTION, changeAttackProtection, type AttackProtectionResource } from '../attack-protection.ts';
import { operation } from '../operation.ts';

const TITLES: Record<AttackProtectionResource, string> = {
  'brute-force-protection': 'brute-force protection',
  'suspicious-ip-throttling': 'suspicious IP throttling',
  'breached-password-detection': 'breached-password detection',
};

export const attackProtectionOperations = (Object.keys(ATTACK_PROTECTION) as AttackProtectionResource[]).flatMap((resource) => {
  const { view, patch, of } = ATTACK_PROTECTION[resource];
  const path = `/attack-protection/${resource}`;
  return [
    operation({
      method: 'GET', path, scope: 'read:attack_protection', summary: `The ${TITLES[resource]} settings in force`, response: view,
      handle: async (_input, ctx) => of((await ctx.protection.current()).config),
    }),
    operation<undefined, undefined, Record<string, unknown>>({
      method: 'PATCH', path, scope: 'update:attack_protection',
      summary: `Change ${TITLES[resource]} settings (the fields given; on every node within storage_cache_ttl)`,
      body: patch as z.ZodType<Record<string, unknown>>, response: view,
      handle: ({ body, caller }, ctx) => changeAttackProtection(ctx, caller.client_id, resource, body),
    }),
  ];
});
