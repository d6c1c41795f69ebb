/** /clients (Auth0's shape) and /clients/{id}/rotate-secret. */
import { clientParams, clientView, clientWithSecret, createClient, createClientBody, deleteClient, rotateClientSecret, updateClient, updateClientBody, viewOfClient } from '../clients.ts';
import { requireGrantable } from '../auth.ts';
import { operation } from '../operation.ts';
import { configuredOperations } from './configured-operations.ts';

export const clientOperations = [
  ...configuredOperations({
    kind: 'clients', path: '/clients', param: 'id', scope: 'clients', plural: 'clients',
    view: clientView, viewOf: viewOfClient,
    guard: (caller, body, ctx) => requireGrantable(caller, body.api_grants, ctx.managementAudience),
    create: { summary: 'Create a client; a confidential one\'s generated secret is returned this once', body: createClientBody, response: clientWithSecret, handle: createClient },
    update: { summary: 'Change a client the API manages', body: updateClientBody, handle: updateClient },
    remove: { summary: 'Delete a client the API manages: its secret and refresh tokens stop working', handle: deleteClient },
  }),
  operation({
    method: 'POST', path: '/clients/:id/rotate-secret', scope: 'update:client_keys', summary: 'Replace a confidential client\'s secret; the new one is returned this once',
    params: clientParams, response: clientWithSecret,
    handle: ({ params, caller }, ctx) => rotateClientSecret(ctx, caller.client_id, params.id),
  }),
];
