/** builtin/app-metadata-claims: copies app_metadata keys (roles, plan, ...) into namespaced claims. */
import { z } from 'zod';
import type { Action, JsonValue } from '../types.ts';

export const appMetadataClaimsSettings = z.strictObject({
  namespace: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. "https://example.com/"' })
    .describe('Prefix of the claim names: key "roles" under "https://example.com/" becomes the claim "https://example.com/roles".'),
  keys: z.array(z.string().min(1)).min(1).describe('app_metadata keys to copy; a key the user lacks is skipped.'),
  tokens: z.array(z.enum(['access_token', 'id_token'])).min(1).default(['access_token', 'id_token']).describe('Which tokens get the claims.'),
});

export function appMetadataClaims(settings: z.output<typeof appMetadataClaimsSettings>): Action['onExecutePostLogin'] {
  const prefix = settings.namespace.endsWith('/') ? settings.namespace : `${settings.namespace}/`;
  return (event, api) => {
    for (const key of settings.keys) {
      if (!Object.hasOwn(event.user.app_metadata, key)) continue;
      const value = event.user.app_metadata[key] as JsonValue;
      if (settings.tokens.includes('access_token')) api.accessToken.setCustomClaim(`${prefix}${key}`, value);
      if (settings.tokens.includes('id_token')) api.idToken.setCustomClaim(`${prefix}${key}`, value);
    }
  };
}
