/** /users/{id}/authenticators: a user's MFA authenticators, and the MFA reset. */
import { z } from 'zod';
import { authenticatorParams, authenticatorView, deleteUserAuthenticator, listUserAuthenticators, resetMfa } from '../authenticators.ts';
import { operation } from '../operation.ts';
import { userIdParams } from '../users.ts';

export const authenticatorOperations = [
  operation({
    method: 'GET', path: '/users/:id/authenticators', scope: 'read:users', summary: 'A user\'s MFA authenticators (never their secrets)',
    params: userIdParams, response: z.array(authenticatorView),
    handle: ({ params }, ctx) => listUserAuthenticators(ctx, params.id),
  }),
  operation({
    method: 'DELETE', path: '/users/:id/authenticators', scope: 'update:users', summary: 'Reset MFA: remove every authenticator of the user',
    params: userIdParams, status: 204,
    handle: ({ params, caller }, ctx) => resetMfa(ctx, caller.client_id, params.id),
  }),
  operation({
    method: 'DELETE', path: '/users/:id/authenticators/:authenticator_id', scope: 'update:users', summary: 'Remove one authenticator of the user',
    params: authenticatorParams, status: 204,
    handle: ({ params, caller }, ctx) => deleteUserAuthenticator(ctx, caller.client_id, params.id, params.authenticator_id),
  }),
];
