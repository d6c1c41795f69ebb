/**
 * GET /users with Auth0's search (q in the v3 query syntax, sort, fields, include_fields, paging) and
 * GET /users-by-email. The query is parsed here (protocol/user-query.ts) and a bad one answered 400 saying where it
 * failed; the store turns the tree into parameterized SQL.
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors/management.ts';
import { MAX_QUERY_LENGTH, QuerySyntaxError, parseUserQuery, type UserQuery } from '../protocol/user-query.ts';
import { SORT_COLUMNS } from '../storage/user-search-sql.ts';
import type { ManagementContext } from './context.ts';
import { offsetOf, pageQuery, pageResult } from './input.ts';
import { viewOfUser, type UserView } from './users.ts';

const projection = {
  fields: z.string().max(1024).optional().describe('Comma-separated fields to include (or, with include_fields=false, leave out).'),
  include_fields: z.stringbool().default(true).describe('Whether `fields` lists the fields to include (true) or to leave out.'),
};

export const userSearchQuery = z.strictObject({
  q: z.string().max(MAX_QUERY_LENGTH).optional()
    .describe('Auth0\'s user search query (v3 syntax): field:value, "phrases", prefix*, AND/OR/NOT, (groups), [a TO b] ranges, _exists_:field, app_metadata.* and user_metadata.* (docs/management.md#user-search).'),
  search_engine: z.literal('v3').optional().describe('v3, the only engine (Auth0\'s current one); accepted for Auth0\'s SDKs.'),
  connection: z.string().optional().describe('Only users of this connection.'),
  username: z.string().optional().describe('Exact username, case-insensitive.'),
  email: z.string().optional().describe('Exact email address, case-insensitive.'),
  sort: z.string().regex(new RegExp(`^(${Object.keys(SORT_COLUMNS).join('|')}):(1|-1)$`), `must be field:1 or field:-1, the field one of ${Object.keys(SORT_COLUMNS).join(', ')}`)
    .optional().describe('field:1 (ascending) or field:-1 (descending).'),
  ...projection,
  ...pageQuery,
});

/** Auth0's /users-by-email: every user with this address, in every connection. */
export const usersByEmailQuery = z.strictObject({ email: z.string().min(1).describe('The email address, case-insensitive.'), ...projection });

/** Auth0's fields / include_fields: the named members of each record, or all but them. */
export function projected<T extends object>(records: T[], fields: string | undefined, include: boolean): Partial<T>[] {
  if (fields === undefined) return records;
  const names = new Set(fields.split(',').map((f) => f.trim()).filter((f) => f !== ''));
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => names.has(k) === include)) as Partial<T>);
}

function parsedQuery(q: string | undefined): UserQuery | undefined {
  if (q === undefined) return undefined;
  try {
    return parseUserQuery(q);
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw new InvalidInputError('query', [{ field: 'q', message: err.message }]);
    throw err;
  }
}

export async function searchUsers(ctx: ManagementContext, query: z.output<typeof userSearchQuery>): Promise<Partial<UserView>[] | Record<string, unknown>> {
  const { q, connection, username, email, sort, fields, include_fields, ...page } = query;
  const [sortField, direction] = sort?.split(':') ?? [];
  const filter = { connection, username, email, query: parsedQuery(q), ...(sortField ? { sort: { field: sortField, descending: direction === '-1' } } : {}) };
  const users = await ctx.store.users.listUsers({ ...filter, limit: page.per_page, offset: offsetOf(page) });
  return pageResult('users', projected(users.map(viewOfUser), fields, include_fields), page, () => ctx.store.users.countUsers(filter));
}

/** At most this many users share an address across connections in one answer (Auth0's endpoint is unpaged). */
const MAX_USERS_BY_EMAIL = 100;

export async function usersByEmail(ctx: ManagementContext, query: z.output<typeof usersByEmailQuery>): Promise<Partial<UserView>[]> {
  const users = await ctx.store.users.listUsers({ email: query.email, limit: MAX_USERS_BY_EMAIL, offset: 0 });
  return projected(users.map(viewOfUser), query.fields, query.include_fields);
}
