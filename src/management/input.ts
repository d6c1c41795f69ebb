/** Input validation and paging shared by every management resource. */
import { z } from 'zod';
import { issueProblems } from '../config/issues.ts';
import { InvalidInputError } from '../errors/management.ts';

/** Parses `value`, or throws a 400 naming each field that is wrong (`invalid_body`, `invalid_query`, `invalid_path`). */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'path'): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidInputError(where, issueProblems(result.error.issues));
  return result.data;
}

/** Auth0's paging: page numbers from 0, at most 100 per page. */
export const pageQuery = {
  page: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('Page number, from 0.'),
  per_page: z.coerce.number().int().min(1).max(100).default(50).describe('Items per page (1-100).'),
  include_totals: z.stringbool().default(false).describe('Wrap the page in {start, limit, length, total, <items>}.'),
};

export interface Page {
  page: number;
  per_page: number;
  include_totals: boolean;
}

export const offsetOf = (page: Page) => page.page * page.per_page;

/** A page of `items`, as a plain array or, with include_totals, wrapped with its position and the total count. */
export async function pageResult<T>(name: string, items: T[], page: Page, total: () => Promise<number>): Promise<T[] | Record<string, unknown>> {
  if (!page.include_totals) return items;
  return { start: offsetOf(page), limit: page.per_page, length: items.length, total: await total(), [name]: items };
}

/** A page of a list already in memory (clients, connections, APIs). */
export function pageOf<T>(name: string, all: T[], page: Page): Promise<T[] | Record<string, unknown>> {
  return pageResult(name, all.slice(offsetOf(page), offsetOf(page) + page.per_page), page, async () => all.length);
}

/** The schema of a paged answer, for the document. */
export function pagedResponse(name: string, item: z.ZodType): z.ZodType {
  return z.union([
    z.array(item),
    z.object({ start: z.number().int(), limit: z.number().int(), length: z.number().int(), total: z.number().int(), [name]: z.array(item) }),
  ]);
}

type Bare<T extends z.ZodType> = T extends z.ZodDefault<infer I extends z.ZodType> ? I : T extends z.ZodPrefault<infer I extends z.ZodType> ? I : T;
type Patched<T extends z.ZodType> = T extends z.ZodOptional<infer I extends z.ZodType> ? z.ZodOptional<z.ZodNullable<I>> : z.ZodOptional<Bare<T>>;

/** A field without its default, so leaving it out leaves it out. */
function bare(field: z.ZodType): z.ZodType {
  return field instanceof z.ZodDefault || field instanceof z.ZodPrefault ? (field.unwrap() as z.ZodType) : field;
}

/**
 * The schema of a partial update of records `shape` describes: every field may be left out (it stays as it was) and
 * has no default; a field that is optional in `shape` may also be null, which clears it.
 */
export function patchOf<S extends Record<string, z.ZodType>>(shape: S) {
  const patched = Object.fromEntries(Object.entries(shape).map(([key, field]) =>
    [key, field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType).nullable().optional() : bare(field).optional()]));
  return z.strictObject(patched as { [K in keyof S]: Patched<S[K]> });
}

/** `shape`'s fields as a record may or may not hold them: each optional, none defaulted (for answers' schemas). */
export function optionalFields<S extends Record<string, z.ZodType>>(shape: S): { [K in keyof S]: z.ZodOptional<Bare<S[K]>> } {
  return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, bare(field).optional()])) as { [K in keyof S]: z.ZodOptional<Bare<S[K]>> };
}
