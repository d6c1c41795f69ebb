/** /resource-servers: APIs, the audiences clients ask tokens for; one is named by its identifier, URL-encoded. */
import { apiView, createApi, createApiBody, deleteApi, updateApi, updateApiBody } from '../resource-servers.ts';
import { withOwner } from '../owned-records.ts';
import { configuredOperations } from './configured-operations.ts';

export const resourceServerOperations = configuredOperations({
  kind: 'apis', path: '/resource-servers', param: 'id', scope: 'resource_servers', plural: 'resource_servers',
  view: apiView, viewOf: withOwner,
  create: {
    summary: 'Create an API', body: createApiBody,
    handle: async (ctx, actor, body) => withOwner(await createApi(ctx, actor, body), 'api'),
  },
  update: { summary: 'Change an API the management API manages (a scope a client is granted stays)', body: updateApiBody, handle: updateApi },
  remove: { summary: 'Delete an API the management API manages, once no client is granted it', handle: deleteApi },
});
