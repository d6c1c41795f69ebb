/** /connections: user directories. */
import { connectionView, createConnection, createConnectionBody, deleteConnection, updateConnection, updateConnectionBody } from '../connections.ts';
import { withOwner } from '../owned-records.ts';
import { configuredOperations } from './configured-operations.ts';

export const connectionOperations = configuredOperations({
  kind: 'connections', path: '/connections', param: 'name', scope: 'connections', plural: 'connections',
  view: connectionView, viewOf: withOwner,
  create: {
    summary: 'Create a connection', body: createConnectionBody,
    handle: async (ctx, actor, body) => withOwner(await createConnection(ctx, actor, body), 'api'),
  },
  update: { summary: 'Change a connection the API manages (display name, MFA)', body: updateConnectionBody, handle: updateConnection },
  remove: { summary: 'Delete a connection the API manages, once no user or client needs it', handle: deleteConnection },
});
