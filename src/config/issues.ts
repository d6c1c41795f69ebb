/**
 * Validation problems as people read them: each names its key path and says what is wrong in plain words, e.g.
 * `port: must be a number, not a string` or `clients[0].grant_type: unknown key (did you mean "grant_types"?)`.
 */
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(root)';
}

/** One problem per issue, and one per key zod found unrecognised. */
export function issueProblems(issues: readonly z.core.$ZodIssue[]): { field: string; message: string }[] {
  return issues.flatMap((issue) => issue.code === 'unrecognized_keys'
    ? issue.keys.map((key) => ({ field: formatPath([...issue.path, key]), message: 'unknown key' }))
    : [{ field: formatPath(issue.path), message: issue.message }]);
}

interface ZodDef { type: string; innerType?: ZodSchema; in?: ZodSchema; element?: ZodSchema; shape?: Record<string, ZodSchema>; valueType?: ZodSchema }
interface ZodSchema { _zod: { def: ZodDef } }

/** The schema under its wrappers (optional, default, prefault, nullable, a pipe's input). */
function unwrap(schema: ZodSchema | undefined): ZodSchema | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 10; depth++) {
    const def: ZodDef = current._zod.def;
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (inner === undefined) break;
    current = inner;
  }
  return current;
}

/** The keys an object schema accepts at `path` (for suggestions); none when the path leads elsewhere. */
export function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema as ZodSchema);
  for (const part of path) {
    const def: ZodDef | undefined = current?._zod.def;
    if (def === undefined) return [];
    if (typeof part === 'number') current = unwrap(def.element);
    else current = unwrap(def.shape?.[String(part)] ?? def.valueType);
  }
  return Object.keys(current?._zod.def.shape ?? {});
}

const ARTICLE: Record<string, string> = { array: 'a list', object: 'a mapping', number: 'a number', string: 'a string', boolean: 'true or false', int: 'a whole number' };
const UNITS: Record<string, [string, string]> = { string: ['character', 'characters'], array: ['item', 'items'], set: ['item', 'items'] };

function bound(issue: { origin?: string; inclusive?: boolean }, limit: number | bigint, direction: 'least' | 'most'): string {
  const value = Number(limit) + (issue.inclusive === false ? (direction === 'least' ? 1 : -1) : 0);
  const units = UNITS[issue.origin ?? ''];
  if (units) return direction === 'least' && value === 1 && issue.origin === 'string' ? 'must not be empty' : `must have at ${direction} ${value} ${value === 1 ? units[0] : units[1]}`;
  return `must be at ${direction} ${value}`;
}

/** zod's own wording ("Invalid input: expected number, received string") in plain words; custom messages as they are. */
function plainWords(issue: z.core.$ZodIssue): string {
  // zod's own messages start so; the schema's own ("unknown grant type ...") are already plain.
  if (!/^(Invalid|Too (small|big))/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return 'is required';
      const expected = ARTICLE[issue.expected] ?? issue.expected;
      return received ? `must be ${expected}, not ${ARTICLE[received] ?? received}` : `must be ${expected}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return bound(issue, issue.minimum, 'least');
    case 'too_big':
      return bound(issue, issue.maximum, 'most');
    default:
      return issue.message;
  }
}

/**
 * A zod error as lines that name each key path: `clients[1].colour: unknown key`. With the schema, an unknown key
 * gets the nearest known one as a suggestion.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], schema?: unknown): string[] {
  return issues.flatMap((issue) => issue.code === 'unrecognized_keys'
    ? issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key${schema ? didYouMean(key, keysAt(schema, issue.path)) : ''}`)
    : [`${formatPath(issue.path)}: ${plainWords(issue)}`]);
}
