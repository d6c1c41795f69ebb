/** /logs: the audit events, newest first. */
import { z } from 'zod';
import { eventView, listLogs, logQuery } from '../logs.ts';
import { operation } from '../operation.ts';

export const logOperations = [
  operation({
    method: 'GET', path: '/logs', scope: 'read:logs', summary: 'Audit events, newest first, filtered by user, type and time',
    query: logQuery,
    response: z.union([z.array(eventView), z.object({ start: z.number(), limit: z.number(), length: z.number(), logs: z.array(eventView) })]),
    handle: ({ query }, ctx) => listLogs(ctx, query),
  }),
];
