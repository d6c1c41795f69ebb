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
  // No include_totals: a total would count the whole log for every page (Auth0 gives none for logs either).
  page: pageQuery.page,
  per_page: pageQuery.per_page,
});

export const eventView = z.object({
  id: z.string(), time: z.number().int(), type: z.enum(EVENT_TYPES),
  client_id: z.string().nullable().describe('The client of the request; for changes, the management client that made them (null: the CLI).'),
  connection: z.string().nullable(), username: z.string().nullable(), user_id: z.string().nullable(),
  ip: z.string().nullable(), user_agent: z.string().nullable(), outcome: z.enum(['success', 'failure']),
  reason: z.string().nullable().describe('A stable short reason: an error code, a rule, a kid, or the fields a change touched.'),
});

export function listLogs(ctx: ManagementContext, query: z.output<typeof logQuery>): Promise<AuditEvent[]> {
  const { page, per_page, ...filter } = query;
  return ctx.store.events.listEvents({ ...filter, limit: per_page, offset: page * per_page });
}
