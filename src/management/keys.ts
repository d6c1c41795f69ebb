/**
 * Signing keys (`tollgate keys` and /keys/signing): listing, rotation and revocation, with their audit events. After a
 * change this node reloads its keys at once; the others within keys.cache_ttl.
 */
import { z } from 'zod';
import { SIGNING_ALGS, type SigningAlg } from '../protocol/algorithms.ts';
import { ensureSigningKeys, rotateSigningKeys, type Rotation } from '../keys/lifecycle.ts';
import { KEY_STATES, type SigningKeyRecord } from '../model/keys.ts';
import { recordChange, type Actor, type ManagementContext } from './context.ts';

/** A key as shown: never its private part, nor its public one (the JWKS publishes those). Times are unix seconds. */
export const keyView = z.object({
  kid: z.string(), alg: z.enum(SIGNING_ALGS), state: z.enum(KEY_STATES),
  created_at: z.number().int(), activated_at: z.number().int().nullable(), retired_at: z.number().int().nullable(), revoked_at: z.number().int().nullable(),
});
export type KeyView = z.output<typeof keyView>;

export function viewOfKey(key: SigningKeyRecord): KeyView {
  const { private_jwk: _private, public_jwk: _public, ...view } = key;
  return view;
}

export async function listKeys(ctx: ManagementContext): Promise<KeyView[]> {
  return (await ctx.store.keys.listSigningKeys()).map(viewOfKey);
}

export const rotateBody = z.strictObject({ alg: z.enum(SIGNING_ALGS).optional().describe('The algorithm whose key rotates (default: tokens.signing_alg).') });

/** Undefined when `alg` has no current key (not in use, or no node has started on this store yet). */
export async function rotateKeys(ctx: ManagementContext, actor: Actor, alg: SigningAlg = ctx.signingAlg): Promise<Rotation | undefined> {
  const rotation = await rotateSigningKeys(ctx.store, alg, ctx.now());
  if (!rotation) return undefined;
  await recordChange(ctx, actor, { type: 'key.rotated', reason: rotation.current.kid });
  await ctx.keys?.reload();
  return rotation;
}

export type Revocation =
  | { outcome: 'unknown' }
  /** Refused: the current key signs; rotate first. */
  | { outcome: 'current'; key: SigningKeyRecord }
  | { outcome: 'already_revoked'; key: SigningKeyRecord }
  /** `before` as it was; a revoked next key is replaced at once, so the next rotation still promotes a key published ahead of use. */
  | { outcome: 'revoked'; before: SigningKeyRecord; replacement: SigningKeyRecord | undefined };

export async function revokeKey(ctx: ManagementContext, actor: Actor, kid: string): Promise<Revocation> {
  const now = ctx.now();
  const before = await ctx.store.keys.revokeSigningKey(kid, now);
  if (!before) return { outcome: 'unknown' };
  if (before.state === 'current') return { outcome: 'current', key: before };
  if (before.state === 'revoked') return { outcome: 'already_revoked', key: before };
  await recordChange(ctx, actor, { type: 'key.revoked', reason: kid });
  const replacement = before.state === 'next'
    ? (await ensureSigningKeys(ctx.store, [before.alg], now)).find((k) => k.alg === before.alg && k.state === 'next')
    : undefined;
  await ctx.keys?.reload();
  return { outcome: 'revoked', before, replacement };
}
