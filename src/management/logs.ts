/** The audit events (`tollgate logs`), filtered and paged, newest first. */
import { z } from 'zod';
import { EVENT_TYPES, type AuditEvent } from '../model/events.ts';
import type { ManagementContext } from './context.ts';
import { pageQuery } from './input.ts';

const unixSeconds = z.coerce.number().int().min(0);

export const logQuery = z.strictObject({
  user: z.string().optional().describe('A user id or a username.'),
  type: z.enum(EVENT_TYPES).optional().describe('One event type.'),
  since: unixSeconds.optional().describe('Events at or after this time (unix seconds).'),
  until: unixSeconds.optional().describe('Events at or before this time (unix seconds).'),
  page: pageQuery.page,
  per_page: pageQuery.per_page,
  // Auth0's SDKs page logs with include_totals=true. The wrapper carries no total: counting the whole log for every
  // page would cost more than the page (Auth0 deprecates the total for logs too).
  include_totals: pageQuery.include_totals.describe('Wrap the page in {start, limit, length, logs} (no total).'),
});

export const eventView = z.object({
  id: z.string(), time: z.number().int(), type: z.enum(EVENT_TYPES),
  client_id: z.string().nullable().describe('The client of the request; for changes, the management client that made them (null: the CLI).'),
  connection: z.string().nullable(), username: z.string().nullable(), user_id: z.string().nullable(),
  ip: z.string().nullable(), user_agent: z.string().nullable(), outcome: z.enum(['success', 'failure']),
  reason: z.string().nullable().describe('A stable short reason: an error code, a rule, a kid, or the fields a change touched.'),
  request_id: z.string().nullable().describe('The request that caused it: its X-Request-Id response header and the request_id of its log lines (null: not made by a request).'),
});

export async function listLogs(ctx: ManagementContext, query: z.output<typeof logQuery>): Promise<AuditEvent[] | Record<string, unknown>> {
  const { page, per_page, include_totals, ...filter } = query;
  const logs = await ctx.store.events.listEvents({ ...filter, limit: per_page, offset: page * per_page });
  return include_totals ? { start: page * per_page, limit: per_page, length: logs.length, logs } : logs;
}
