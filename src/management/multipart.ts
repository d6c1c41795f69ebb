/**
 * multipart/form-data bodies (RFC 7578), for the management API's file upload: Fastify reads the body, refusing more
 * than the route's bodyLimit (413), and the platform's own parser (undici's, behind Response.formData) splits it, so
 * no multipart code of ours or a dependency's is involved. The body becomes {name: text}; a file part is read as
 * UTF-8, so the operation's schema validates it like any other field.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError, PayloadTooLargeError } from '../errors/management.ts';
import { InvalidRequestError } from '../errors/oauth.ts';
import { handleErrors } from '../http/errors.ts';
import { auth0ErrorBody } from './error-shape.ts';

/** "50 MiB", "1.5 KiB", "800 bytes": the limit as the answer and the docs say it. */
export function describeBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

async function formFields(body: Buffer, contentType: string): Promise<Record<string, string>> {
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new InvalidRequestError('The multipart/form-data body is malformed.', 'request.multipart');
  }
  const fields = new Map<string, string>();
  const repeated = new Set<string>();
  for (const [name, value] of form) {
    if (fields.has(name)) repeated.add(name);
    fields.set(name, typeof value === 'string' ? value : await value.text());
  }
  // As the OAuth endpoints refuse a repeated parameter (RFC 6749 §3.2): which of two values was meant is not ours to guess.
  if (repeated.size > 0) throw new InvalidInputError('body', [...repeated].map((field) => ({ field, message: 'given more than once' })));
  return Object.fromEntries(fields);
}

/**
 * Makes `app` (a plugin holding only upload routes) take multipart/form-data and nothing else, up to `limit` bytes
 * per request (set it as each route's bodyLimit too: Fastify applies the route's).
 */
export function acceptUploads(app: FastifyInstance, limit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: limit },
    async (request: FastifyRequest, body: Buffer) => formFields(body, request.headers['content-type']!));
  handleErrors(app, {
    FST_ERR_CTP_BODY_TOO_LARGE: () => new PayloadTooLargeError(describeBytes(limit)),
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The Content-Type must be multipart/form-data.',
  }, auth0ErrorBody);
}
