/**
 * A parsed user search (protocol/user-query.ts) as a parameterized WHERE clause, written once over a small dialect:
 * every value, metadata path included, is a parameter; only column names from a fixed table and operators are text.
 * Login names and emails match on their lower-cased columns, so equality and prefixes use the indexes there:
 * SQLite through a range (its default binary collation orders bytes), PostgreSQL through LIKE on text_pattern_ops.
 */
import type { Match, SearchField, UserQuery } from '../protocol/user-query.ts';

export interface SearchDialect {
  name: 'sqlite' | 'postgres';
  /** A boolean as the database keeps it. */
  flag(value: boolean): unknown;
}

export const SQLITE_SEARCH: SearchDialect = { name: 'sqlite', flag: (value) => (value ? 1 : 0) };
export const POSTGRES_SEARCH: SearchDialect = { name: 'postgres', flag: (value) => value };

/** Adds a parameter and answers its numbered placeholder ($n, or SQLite's ?n), which an expression may repeat. */
type Param = (value: unknown) => string;

const LOWERED: Partial<Record<SearchField, string>> = { email: 'email_lower', username: 'username_lower' };
const TEXT: Partial<Record<SearchField, string>> = { name: 'name', given_name: 'given_name', family_name: 'family_name', nickname: 'nickname' };
const EXACT: Partial<Record<SearchField, string>> = { user_id: 'id', connection: 'connection', 'identities.connection': 'connection' };
const FLAGS: Partial<Record<SearchField, string>> = { email_verified: 'email_verified', blocked: 'blocked' };
const TIMES: Partial<Record<SearchField, string>> = { created_at: 'created_at', updated_at: 'updated_at' };

/** LIKE's own characters in a value, escaped with a backslash (ESCAPE '\'). */
const likeEscaped = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The first string after every string that starts with `prefix`, in byte order. */
function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

function range(expression: string, match: Extract<Match, { kind: 'range' }>, param: Param, cast: (v: string) => unknown): string {
  const parts: string[] = [];
  if (match.low !== undefined) parts.push(`${expression} ${match.includeLow ? '>=' : '>'} ${param(cast(match.low))}`);
  if (match.high !== undefined) parts.push(`${expression} ${match.includeHigh ? '<=' : '<'} ${param(cast(match.high))}`);
  return parts.length === 0 ? `${expression} IS NOT NULL` : parts.join(' AND ');
}

/** A text expression compared case-insensitively; `indexed`: the column is already lower-cased (and indexed). */
function textMatch(expression: string, match: Match, param: Param, dialect: SearchDialect, indexed: boolean): string {
  const value = (v: string) => v.toLowerCase();
  const subject = indexed ? expression : `lower(${expression})`;
  switch (match.kind) {
    case 'equals': return `${subject} = ${param(value(match.value))}`;
    case 'prefix':
      if (indexed && dialect.name === 'sqlite') return `${subject} >= ${param(value(match.value))} AND ${subject} < ${param(prefixEnd(value(match.value)))}`;
      return `${subject} LIKE ${param(`${likeEscaped(value(match.value))}%`)} ESCAPE '\\'`;
    case 'range': return range(subject, match, param, value);
    case 'exists': return `${expression} IS NOT NULL`;
  }
}

const isNumber = (v: string | undefined) => v === undefined || /^-?\d+(\.\d+)?$/.test(v);

/** app_metadata.a.b: the JSON value at the path, compared as text (true, false, numbers as written) or as a number in ranges. */
function metadataMatch(field: string, match: Match, param: Param, dialect: SearchDialect): string {
  const [column, ...keys] = field.split('.');
  const sqlite = dialect.name === 'sqlite';
  // The path is a parameter too: SQLite's as a JSON path string (keys are [A-Za-z0-9_-], quoted), PostgreSQL's as text[].
  const path = () => param(sqlite ? `$${keys.map((k) => `."${k}"`).join('')}` : keys);
  const pg = (operator: string) => `(${column} ${operator} ${path()}::text[])`;
  if (match.kind === 'exists') return sqlite ? `json_type(${column}, ${path()}) IS NOT NULL` : `${pg('#>')} IS NOT NULL`;
  if (match.kind === 'range' && isNumber(match.low) && isNumber(match.high)) {
    const numeric = sqlite
      ? `(CASE WHEN json_type(${column}, ${path()}) IN ('integer', 'real') THEN json_extract(${column}, ${path()}) END)`
      : `(CASE WHEN jsonb_typeof(${pg('#>')}) = 'number' THEN ${pg('#>>')}::numeric END)`;
    return range(numeric, match, param, Number);
  }
  const text = sqlite
    ? `(CASE json_type(${column}, ${path()}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'object' THEN NULL WHEN 'array' THEN NULL ELSE CAST(json_extract(${column}, ${path()}) AS TEXT) END)`
    : `(CASE WHEN jsonb_typeof(${pg('#>')}) IN ('object', 'array') THEN NULL ELSE ${pg('#>>')} END)`;
  if (match.kind === 'equals') return `${text} = ${param(match.value)}`;
  if (match.kind === 'prefix') return `${text} LIKE ${param(`${likeEscaped(match.value)}%`)} ESCAPE '\\'`;
  return range(text, match, param, String);
}

function fieldMatch(field: SearchField | undefined, match: Match, param: Param, dialect: SearchDialect): string {
  if (field === undefined) {
    // A bare term: Auth0 searches it in the user's names and addresses.
    return `(${[['email', true], ['username', true], ['name', false]].map(([f, indexed]) => textMatch(LOWERED[f as SearchField] ?? (f as string), match, param, dialect, indexed as boolean)).join(' OR ')})`;
  }
  if (field.startsWith('app_metadata.') || field.startsWith('user_metadata.')) return metadataMatch(field, match, param, dialect);
  const lowered = LOWERED[field];
  if (lowered) return textMatch(lowered, match, param, dialect, true);
  const text = TEXT[field];
  if (text) return textMatch(text, match, param, dialect, false);
  const flag = FLAGS[field];
  if (flag) return match.kind === 'exists' ? 'TRUE' : `${flag} = ${param(dialect.flag(match.kind === 'equals' && match.value === 'true'))}`;
  const time = TIMES[field];
  if (time) {
    if (match.kind === 'equals') return `${time} = ${param(Number(match.value))}`;
    return match.kind === 'range' ? range(time, match, param, Number) : `${time} IS NOT NULL`;
  }
  const exact = EXACT[field]!;
  if (match.kind === 'equals') return `${exact} = ${param(match.value)}`;
  if (match.kind === 'prefix') return `${exact} LIKE ${param(`${likeEscaped(match.value)}%`)} ESCAPE '\\'`;
  return match.kind === 'range' ? range(exact, match, param, String) : `${exact} IS NOT NULL`;
}

/**
 * The query as a condition. NOT treats a missing value as a non-match of the inner term (Lucene's NOT keeps records
 * without the field), hence COALESCE.
 */
export function userQueryCondition(query: UserQuery, param: Param, dialect: SearchDialect): string {
  switch (query.op) {
    case 'and':
    case 'or': return `(${query.terms.map((t) => userQueryCondition(t, param, dialect)).join(query.op === 'and' ? ' AND ' : ' OR ')})`;
    case 'not': return `NOT COALESCE((${userQueryCondition(query.term, param, dialect)}), ${dialect.name === 'sqlite' ? '0' : 'FALSE'})`;
    case 'match': return fieldMatch(query.field, query.match, param, dialect);
  }
}

/** Fields a search may sort by (Auth0's sort=field:1 or field:-1), and their columns. */
export const SORT_COLUMNS: Record<string, string> = {
  user_id: 'id', email: 'email_lower', username: 'username_lower', name: 'name', given_name: 'given_name', family_name: 'family_name',
  nickname: 'nickname', connection: 'connection', created_at: 'created_at', updated_at: 'updated_at',
};

/** ORDER BY for a sort (the id breaks ties, so pages never overlap); without one, by connection and username. */
export function userOrder(sort: { field: string; descending: boolean } | undefined): string {
  if (sort === undefined) return 'ORDER BY connection, username_lower';
  return `ORDER BY ${SORT_COLUMNS[sort.field]} ${sort.descending ? 'DESC' : 'ASC'}, id`;
}
