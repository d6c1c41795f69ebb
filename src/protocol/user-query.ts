/**
 * Auth0's user search query syntax (search_engine=v3, a subset of Lucene's query string): `field:value`, quoted
 * phrases, a trailing `*` for a prefix, AND / OR / NOT (and `-`), parentheses, ranges `[a TO b]` / `{a TO b}` with
 * `*` for an open end, comparisons `field:>=value`, and `_exists_:field`. Terms side by side are joined by AND.
 * The parser only builds a tree; storage/user-search-sql.ts turns the tree into parameterized SQL.
 *
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" or ")" | "_exists_:" FIELD | [FIELD ":"] value
 *   value   := PHRASE | WORD ["*"] | ("[" | "{") bound "TO" bound ("]" | "}") | (">" | ">=" | "<" | "<=") WORD
 */

/** The fields a query may name, besides app_metadata.* and user_metadata.*. */
export const SEARCH_FIELDS = [
  'user_id', 'email', 'username', 'name', 'given_name', 'family_name', 'nickname', 'connection', 'identities.connection',
  'email_verified', 'blocked', 'created_at', 'updated_at',
] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number] | `app_metadata.${string}` | `user_metadata.${string}`;

/** What the query matches: a value, a prefix, a range, or the field's presence. */
export type Match =
  | { kind: 'equals'; value: string }
  | { kind: 'prefix'; value: string }
  | { kind: 'range'; low?: string; high?: string; includeLow: boolean; includeHigh: boolean }
  | { kind: 'exists' };

export type UserQuery =
  | { op: 'and' | 'or'; terms: UserQuery[] }
  | { op: 'not'; term: UserQuery }
  /** field undefined: a bare term, matched against email, username and name. */
  | { op: 'match'; field: SearchField | undefined; match: Match };

/** A query that does not parse: where (0-based character) and why. */
export class QuerySyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at character ${position + 1}`);
    this.position = position;
  }
}

export const MAX_QUERY_LENGTH = 1024;
/** Bounds on the tree, so one query cannot make a statement of unbounded size or recursion depth. */
const MAX_TERMS = 64;
const MAX_DEPTH = 16;
const METADATA_FIELD = /^(app_metadata|user_metadata)(\.[A-Za-z0-9_-]+){1,8}$/;

type Token = { type: 'word' | 'phrase' | '(' | ')' | '[' | ']' | '{' | '}' | ':' | '-' | 'cmp' | 'end'; text: string; at: number };

const SPECIAL = new Set(['(', ')', '[', ']', '{', '}', ':', '"']);

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < q.length && q[j] !== '"'; j++) {
        if (q[j] === '\\' && j + 1 < q.length) j++;
        text += q[j];
      }
      if (j >= q.length) throw new QuerySyntaxError('unterminated quoted phrase', i);
      tokens.push({ type: 'phrase', text, at: i });
      i = j + 1;
      continue;
    }
    if (SPECIAL.has(c)) { tokens.push({ type: c as Token['type'], text: c, at: i }); i++; continue; }
    if (c === '-' && tokens.at(-1)?.type !== ':') { tokens.push({ type: '-', text: c, at: i }); i++; continue; }
    if ((c === '>' || c === '<') && tokens.at(-1)?.type === ':') {
      const text = q[i + 1] === '=' ? `${c}=` : c;
      tokens.push({ type: 'cmp', text, at: i });
      i += text.length;
      continue;
    }
    let text = '';
    const start = i;
    for (; i < q.length && !/\s/.test(q[i]!) && !SPECIAL.has(q[i]!); i++) {
      if (q[i] === '\\' && i + 1 < q.length) i++;
      text += q[i];
    }
    tokens.push({ type: 'word', text, at: start });
  }
  tokens.push({ type: 'end', text: '', at: q.length });
  return tokens;
}

class Parser {
  #tokens: Token[];
  #at = 0;
  #terms = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  get #next(): Token {
    return this.#tokens[this.#at]!;
  }

  #take(): Token {
    return this.#tokens[this.#at++]!;
  }

  #expect(type: Token['type'], what: string): Token {
    if (this.#next.type !== type) throw new QuerySyntaxError(`expected ${what}`, this.#next.at);
    return this.#take();
  }

  parse(): UserQuery {
    if (this.#next.type === 'end') throw new QuerySyntaxError('empty query', 0);
    const query = this.#or(0);
    if (this.#tokens[this.#at]!.type !== 'end') throw new QuerySyntaxError(`unexpected "${this.#next.text}"`, this.#next.at);
    return query;
  }

  #isWord(word: string): boolean {
    return this.#next.type === 'word' && this.#next.text === word;
  }

  #or(depth: number): UserQuery {
    if (depth > MAX_DEPTH) throw new QuerySyntaxError(`nested deeper than ${MAX_DEPTH} levels`, this.#next.at);
    const terms = [this.#and(depth)];
    while (this.#isWord('OR')) {
      this.#take();
      terms.push(this.#and(depth));
    }
    return terms.length === 1 ? terms[0]! : { op: 'or', terms };
  }

  #and(depth: number): UserQuery {
    const terms = [this.#unary(depth)];
    for (;;) {
      if (this.#isWord('AND')) this.#take();
      else if (['end', ')'].includes(this.#next.type) || this.#isWord('OR')) break;
      terms.push(this.#unary(depth));
    }
    return terms.length === 1 ? terms[0]! : { op: 'and', terms };
  }

  #unary(depth: number): UserQuery {
    if (this.#isWord('NOT') || this.#next.type === '-') {
      this.#take();
      return { op: 'not', term: this.#unary(depth + 1) };
    }
    return this.#primary(depth);
  }

  #primary(depth: number): UserQuery {
    const token = this.#next;
    if (token.type === '(') {
      this.#take();
      const inner = this.#or(depth + 1);
      this.#expect(')', '")"');
      return inner;
    }
    if (++this.#terms > MAX_TERMS) throw new QuerySyntaxError(`more than ${MAX_TERMS} terms`, token.at);
    if (token.type === 'word' && ['AND', 'OR'].includes(token.text)) throw new QuerySyntaxError(`unexpected ${token.text}`, token.at);
    if (token.type === 'word' && this.#tokens[this.#at + 1]?.type === ':') {
      this.#take();
      this.#take();
      if (token.text === '_exists_') {
        const field = this.#expect('word', 'a field name after _exists_:');
        return { op: 'match', field: searchField(field.text, field.at), match: { kind: 'exists' } };
      }
      const field = searchField(token.text, token.at);
      return { op: 'match', field, match: typedMatch(field, this.#value(), this.#tokens[this.#at - 1]!.at) };
    }
    return { op: 'match', field: undefined, match: this.#value() };
  }

  #value(): Match {
    const token = this.#take();
    if (token.type === 'phrase') return { kind: 'equals', value: token.text };
    if (token.type === '[' || token.type === '{') {
      const low = this.#bound();
      if (!this.#isWord('TO')) throw new QuerySyntaxError('expected TO in a range', this.#next.at);
      this.#take();
      const high = this.#bound();
      const close = this.#take();
      if (close.type !== ']' && close.type !== '}') throw new QuerySyntaxError('expected "]" or "}" to close the range', close.at);
      return { kind: 'range', low, high, includeLow: token.type === '[', includeHigh: close.type === ']' };
    }
    if (token.type === 'cmp') {
      const bound = this.#expect('word', 'a value after a comparison').text;
      const includes = token.text.endsWith('=');
      return token.text.startsWith('>') ? { kind: 'range', low: bound, includeLow: includes, includeHigh: false } : { kind: 'range', high: bound, includeLow: false, includeHigh: includes };
    }
    if (token.type !== 'word') throw new QuerySyntaxError(token.type === 'end' ? 'the query ends where a value was expected' : `unexpected "${token.text}"`, token.at);
    const star = token.text.indexOf('*');
    if (star === -1 && !token.text.includes('?')) return { kind: 'equals', value: token.text };
    if (star !== token.text.length - 1 || token.text.includes('?') || token.text.length === 1) {
      throw new QuerySyntaxError('only a trailing * is supported as a wildcard, after at least one character', token.at);
    }
    return { kind: 'prefix', value: token.text.slice(0, -1) };
  }

  #bound(): string | undefined {
    const token = this.#take();
    if (token.type === 'word' && token.text === '*') return undefined;
    if (token.type !== 'word' && token.type !== 'phrase') throw new QuerySyntaxError('expected a range bound', token.at);
    return token.text;
  }
}

function searchField(name: string, at: number): SearchField {
  if ((SEARCH_FIELDS as readonly string[]).includes(name) || METADATA_FIELD.test(name)) return name as SearchField;
  throw new QuerySyntaxError(`unknown field "${name}" (one of: ${SEARCH_FIELDS.join(', ')}, app_metadata.*, user_metadata.*)`, at);
}

const BOOLEAN_FIELDS: readonly string[] = ['email_verified', 'blocked'];
const TIME_FIELDS: readonly string[] = ['created_at', 'updated_at'];

/** A time as unix seconds: an integer, or an ISO 8601 date or date-time (UTC unless it names a zone). */
function unixSeconds(value: string, at: number): number {
  if (/^\d{1,12}$/.test(value)) return Number(value);
  const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (Number.isNaN(ms)) throw new QuerySyntaxError(`"${value}" is not a date (YYYY-MM-DD, ISO 8601 or unix seconds)`, at);
  return Math.floor(ms / 1000);
}

/**
 * Values checked against their field's type: booleans are true or false; times become unix seconds, and a bare
 * date matches its whole day (UTC), as a range.
 */
function typedMatch(field: SearchField, match: Match, at: number): Match {
  if (BOOLEAN_FIELDS.includes(field)) {
    if (match.kind !== 'equals' || !['true', 'false'].includes(match.value)) throw new QuerySyntaxError(`${field} is true or false`, at);
    return match;
  }
  if (!TIME_FIELDS.includes(field)) return match;
  if (match.kind === 'prefix') throw new QuerySyntaxError(`${field} takes a date or a range, not a wildcard`, at);
  if (match.kind === 'equals') {
    const start = unixSeconds(match.value, at);
    const wholeDay = /^\d{4}-\d{2}-\d{2}$/.test(match.value);
    return wholeDay ? { kind: 'range', low: String(start), high: String(start + 86_400), includeLow: true, includeHigh: false } : { kind: 'equals', value: String(start) };
  }
  if (match.kind === 'range') {
    const bound = (v: string | undefined) => (v === undefined ? undefined : String(unixSeconds(v, at)));
    return { ...match, low: bound(match.low), high: bound(match.high) };
  }
  return match;
}

/** Parses `q`; throws QuerySyntaxError saying where it failed. */
export function parseUserQuery(q: string): UserQuery {
  if (q.length > MAX_QUERY_LENGTH) throw new QuerySyntaxError(`longer than ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH);
  return new Parser(tokenize(q)).parse();
}
