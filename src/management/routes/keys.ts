/** /keys/signing: Auth0's signing-key endpoints (list, read, rotate, revoke). */
import { z } from 'zod';
import { ResourceConflictError } from '../../errors/management.ts';
import { NotFoundError } from '../../errors/oauth.ts';
import type { ManagementContext } from '../context.ts';
import { keyView, listKeys, revokeKey, rotateBody, rotateKeys, viewOfKey } from '../keys.ts';
import { operation } from '../operation.ts';

const kidParams = z.strictObject({ kid: z.string().describe('The key id (an RFC 7638 thumbprint).') });

async function findKey(ctx: ManagementContext, kid: string) {
  const key = (await listKeys(ctx)).find((k) => k.kid === kid);
  if (!key) throw new NotFoundError(`No signing key "${kid}".`);
  return key;
}

export const keyOperations = [
  operation({
    method: 'GET', path: '/keys/signing', scope: 'read:signing_keys', summary: 'Signing keys and their states (next, current, previous, revoked)',
    response: z.array(keyView),
    handle: (_input, ctx) => listKeys(ctx),
  }),
  operation({
    method: 'GET', path: '/keys/signing/:kid', scope: 'read:signing_keys', summary: 'Read a signing key', params: kidParams, response: keyView,
    handle: ({ params }, ctx) => findKey(ctx, params.kid),
  }),
  operation({
    method: 'POST', path: '/keys/signing/rotate', scope: 'create:signing_keys',
    summary: 'Rotate: the next key becomes current, the current one previous (still published), and a new next key is announced',
    body: rotateBody, response: z.object({ current: keyView, next: z.string().describe('The kid of the new next key.') }), status: 201,
    async handle({ body, caller }, ctx) {
      const alg = body.alg ?? ctx.signingAlg;
      const rotation = await rotateKeys(ctx, caller.client_id, alg);
      if (!rotation) throw new ResourceConflictError(`There is no current ${alg} key to rotate: ${alg} is not in use, or no node has started on this store yet.`);
      return { current: viewOfKey(rotation.current), next: rotation.next.kid };
    },
  }),
  operation({
    method: 'PUT', path: '/keys/signing/:kid/revoke', scope: 'update:signing_keys',
    summary: 'Revoke a previous (or next) key: it leaves the JWKS and the tokens it signed stop verifying',
    params: kidParams, response: keyView,
    async handle({ params, caller }, ctx) {
      const revocation = await revokeKey(ctx, caller.client_id, params.kid);
      if (revocation.outcome === 'unknown') throw new NotFoundError(`No signing key "${params.kid}".`);
      if (revocation.outcome === 'current') {
        throw new ResourceConflictError(`${params.kid} is the current ${revocation.key.alg} key and signs new tokens: rotate first, then revoke it as previous.`);
      }
      return findKey(ctx, params.kid);
    },
  }),
];
