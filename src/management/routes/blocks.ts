/** /users/{id}/blocks: brute-force blocks on the user's account (Auth0's user-blocks, per user). */
import { blocksView, unblockQuery, unblockUser, userBlocks } from '../blocks.ts';
import { operation } from '../operation.ts';
import { userIdParams } from '../users.ts';

export const blockOperations = [
  operation({
    method: 'GET', path: '/users/:id/blocks', scope: 'read:users', summary: 'The brute-force blocks in force on a user\'s account',
    params: userIdParams, response: blocksView,
    handle: ({ params }, ctx) => userBlocks(ctx, params.id),
  }),
  operation({
    method: 'DELETE', path: '/users/:id/blocks', scope: 'update:users', summary: 'Clear a user\'s brute-force blocks and failure counters',
    params: userIdParams, query: unblockQuery, status: 204,
    handle: ({ params, query, caller }, ctx) => unblockUser(ctx, caller.client_id, params.id, query.ip),
  }),
];

/** The same operations at Auth0's own paths, /user-blocks/{id}, which Auth0's SDKs call (userBlocks.get / .delete). */
export const auth0BlockOperations = blockOperations.map((op) => ({ ...op, path: op.path.replace('/users/:id/blocks', '/user-blocks/:id'), summary: `${op.summary} (Auth0's path)` }));
