/**
 * Body parsing for OAuth endpoints: form (RFC 6749) and JSON (Auth0
 * compatible) both become Params under RFC 6749 §3.2's rules.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../errors/oauth.ts';
import { parseForm } from './form.ts';
import type { Params } from './params.ts';

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

function jsonParams(body: Buffer): Params {
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
  const members = Object.entries(value).map(([name, v]): [string, string] => {
    if (typeof v !== 'string') throw new InvalidRequestError(`The parameter "${name}" must be a string.`);
    return [name, v];
  });
  // RFC 6749 §3.2: a repeated member is a repeated parameter, but JSON.parse keeps only the last one.
  // A flat object of N strings holds exactly 2N string literals; any more means a member was repeated.
  const literals = text.match(STRING_LITERAL) ?? [];
  if (literals.length !== 2 * members.length) {
    const names = literals.filter((_, i) => i % 2 === 0).map((l) => JSON.parse(l) as string);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    throw new InvalidRequestError(repeated === undefined ? 'A JSON value is not a string.' : `The parameter "${repeated}" is repeated.`);
  }
  return toParams(members);
}

const EMPTY_PARAMS: Params = new Map();

export function registerBodyParsers(app: FastifyInstance): void {
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
      done(null, jsonParams(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** The parsed body, or no parameters for a request without one. */
export function paramsOf(body: unknown): Params {
  return body instanceof Map ? body : EMPTY_PARAMS;
}
