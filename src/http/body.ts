/**
 * Body parsing for OAuth endpoints: form (RFC 6749) and JSON (Auth0
 * compatible) both become Params under RFC 6749 §3.2's rules.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../errors/oauth.ts';
import { parseForm } from '../protocol/form.ts';
import type { Params } from '../protocol/params.ts';

export const BODY_LIMIT = 16 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new InvalidRequestError('The request body is not valid UTF-8.');
  }
}

/** A repeated parameter is an error; an empty one counts as absent (RFC 6749 §3.2). */
export function toParams(pairs: Iterable<[string, string]>): Params {
  const params = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, value] of pairs) {
    if (seen.has(name)) throw new InvalidRequestError(`The parameter "${name}" is repeated.`);
    seen.add(name);
    if (value !== '') params.set(name, value);
  }
  return params;
}

function formParams(body: Buffer): Params {
  try {
    return toParams(parseForm(decodeUtf8(body)));
  } catch (err) {
    if (err instanceof URIError) throw new InvalidRequestError('The request body is not valid form encoding.');
    throw err;
  }
}

const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/g;

/** Names whose JSON value may be an array of strings (Auth0's MFA API): passed on space-separated, like scope. */
export type ListParameters = ReadonlySet<string>;
const NO_LISTS: ListParameters = new Set();

function jsonValue(name: string, v: unknown, lists: ListParameters): string {
  if (typeof v === 'string') return v;
  if (lists.has(name) && Array.isArray(v) && v.every((item) => typeof item === 'string' && /^[^\s]+$/.test(item))) return v.join(' ');
  throw new InvalidRequestError(`The parameter "${name}" must be a string${lists.has(name) ? ' or an array of strings' : ''}.`);
}

function jsonParams(body: Buffer, lists: ListParameters): Params {
  let value: unknown;
  const text = decodeUtf8(body);
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError('The JSON body must be an object.');
  }
  const entries = Object.entries(value);
  const members = entries.map(([name, v]): [string, string] => [name, jsonValue(name, v, lists)]);
  // RFC 6749 §3.2: a repeated member is a repeated parameter, but JSON.parse keeps only the last one.
  // A flat object holds one literal per name and one per string value; any more means a member was repeated.
  const literals = text.match(STRING_LITERAL) ?? [];
  const expected = entries.reduce((n, [, v]) => n + 1 + (Array.isArray(v) ? v.length : 1), 0);
  if (literals.length !== expected) {
    const names = literals.filter((_, i) => i % 2 === 0).map((l) => JSON.parse(l) as string);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    throw new InvalidRequestError(repeated === undefined ? 'A JSON value is not a string.' : `The parameter "${repeated}" is repeated.`);
  }
  return toParams(members);
}

const EMPTY_PARAMS: Params = new Map();

/** `lists`: parameters whose JSON value may be an array of strings (only where an endpoint declares them). */
export function registerBodyParsers(app: FastifyInstance, lists: ListParameters = NO_LISTS): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, formParams(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, jsonParams(body as Buffer, lists));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** The parsed body, or no parameters for a request without one. */
export function paramsOf(body: unknown): Params {
  return body instanceof Map ? body : EMPTY_PARAMS;
}
