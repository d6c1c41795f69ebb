/** The built-in actions, by the name configs use (`uses: builtin/<name>`), each with the schema of its `with`. */
import type { z } from 'zod';
import type { Action } from '../types.ts';
import { appMetadataClaims, appMetadataClaimsSettings } from './app-metadata-claims.ts';
import { denyUnless, denyUnlessSettings } from './deny-unless.ts';
import { mfaUnlessIp, mfaUnlessIpSettings } from './mfa-unless-ip.ts';

interface Builtin<S extends z.ZodType> {
  settings: S;
  create(settings: z.output<S>): Action['onExecutePostLogin'];
}

const builtin = <S extends z.ZodType>(settings: S, create: (settings: z.output<S>) => Action['onExecutePostLogin']): Builtin<z.ZodType> =>
  ({ settings, create: create as (settings: unknown) => Action['onExecutePostLogin'] });

export const BUILTIN_ACTIONS = {
  'builtin/app-metadata-claims': builtin(appMetadataClaimsSettings, appMetadataClaims),
  'builtin/deny-unless': builtin(denyUnlessSettings, denyUnless),
  'builtin/mfa-unless-ip': builtin(mfaUnlessIpSettings, mfaUnlessIp),
} as const;

export type BuiltinName = keyof typeof BUILTIN_ACTIONS;
export const BUILTIN_NAMES = Object.keys(BUILTIN_ACTIONS) as BuiltinName[];
