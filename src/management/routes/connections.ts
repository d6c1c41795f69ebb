/** /connections: user directories. */
import { connectionView, createConnection, createConnectionBody, deleteConnection, updateConnection, updateConnectionBody } from '../connections.ts';
import { withOwner } from '../owned-records.ts';
import { configuredOperations } from './configured-operations.ts';
import type { ConnectionRecord } from '../../model/directory.ts';
import type { Owner } from '../../model/configured.ts';

/** Records written before connections could be public read as not public. */
const viewOfConnection = (record: ConnectionRecord, owner: Owner) => withOwner({ ...record, public: record.public ?? false }, owner);

export const connectionOperations = configuredOperations({
  kind: 'connections', path: '/connections', param: 'name', scope: 'connections', plural: 'connections',
  view: connectionView, viewOf: viewOfConnection,
  create: {
    summary: 'Create a connection', body: createConnectionBody,
    handle: async (ctx, actor, body) => viewOfConnection(await createConnection(ctx, actor, body), 'api'),
  },
  update: { summary: 'Change a connection the API manages (display name, public, MFA)', body: updateConnectionBody, handle: updateConnection },
  remove: { summary: 'Delete a connection the API manages, once no user or client needs it', handle: deleteConnection },
});
