/** /users: Auth0's shape (GET list and search, GET one, POST, PATCH, DELETE). */
import { z } from 'zod';
import { createUser, createUserBody, deleteUser, findUser, updateUser, updateUserBody, userIdParams, userView, viewOfUser } from '../users.ts';
import { searchUsers, userSearchQuery, usersByEmail, usersByEmailQuery } from '../user-search.ts';
import { pagedResponse } from '../input.ts';
import { operation } from '../operation.ts';

export const userOperations = [
  operation({
    method: 'GET', path: '/users', scope: 'read:users', summary: 'List users, or search them (Auth0\'s q, v3 syntax; or by connection, username, email)',
    query: userSearchQuery, response: pagedResponse('users', userView.partial()),
    handle: ({ query }, ctx) => searchUsers(ctx, query),
  }),
  operation({
    method: 'GET', path: '/users-by-email', scope: 'read:users', summary: 'Every user with an email address, in every connection (Auth0\'s users-by-email)',
    query: usersByEmailQuery, response: z.array(userView.partial()),
    handle: ({ query }, ctx) => usersByEmail(ctx, query),
  }),
  operation({
    method: 'GET', path: '/users/:id', scope: 'read:users', summary: 'Read a user', params: userIdParams, response: userView,
    handle: async ({ params }, ctx) => viewOfUser(await findUser(ctx, params.id)),
  }),
  operation({
    method: 'POST', path: '/users', scope: 'create:users', summary: 'Create a user', body: createUserBody, response: userView, status: 201,
    handle: ({ body, caller }, ctx) => createUser(ctx, caller.client_id, body),
  }),
  operation({
    method: 'PATCH', path: '/users/:id', scope: 'update:users', summary: 'Change a user: profile, metadata, blocked, password',
    params: userIdParams, body: updateUserBody, response: userView,
    handle: ({ params, body, caller }, ctx) => updateUser(ctx, caller.client_id, params.id, body),
  }),
  operation({
    method: 'DELETE', path: '/users/:id', scope: 'delete:users', summary: 'Delete a user, their refresh tokens and their brute-force counters',
    params: userIdParams, status: 204,
    handle: ({ params, caller }, ctx) => deleteUser(ctx, caller.client_id, params.id),
  }),
];
