/** A Tollgate with a management client ("ops"), and calls to {issuer}/api/v2 with its client_credentials tokens. */
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/config/schema.ts';
import { MANAGEMENT_SCOPES } from '../../src/protocol/management-api.ts';
import { ISSUER, start, type Res, type TestTollgate } from './tollgate.ts';

export const MANAGEMENT = `${ISSUER}/api/v2/`;
export const OPS_SECRET = 'ops-secret-0123456789-abcdefghijklmnopqrstuvwx';
export const ALL_SCOPES = Object.keys(MANAGEMENT_SCOPES);

export interface CallOptions {
  body?: unknown;
  /** An access token, or null for none; default: one with every scope the ops client has. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface ManagedTollgate extends TestTollgate {
  /** A management token with `scopes` (default: all the ops client was granted). */
  managementToken(scopes?: string[]): Promise<string>;
  /** METHOD {issuer}/api/v2{path} with a JSON body. */
  call(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options?: CallOptions): Promise<Res>;
  /** POST {issuer}/api/v2{path} with a multipart/form-data body of `fields` (a Blob is a file part, as curl --form f=@file sends it). */
  upload(path: string, fields: [string, string | Blob][], options?: Omit<CallOptions, 'body'>): Promise<Res>;
}

/** A multipart/form-data body as the platform encodes it, with its Content-Type (and boundary). */
export async function multipartBody(fields: [string, string | Blob][]): Promise<{ payload: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, `${name}.json`);
  }
  const request = new Request('http://multipart.invalid/', { method: 'POST', body: form });
  return { payload: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

/** Adds the management client "ops", granted `grants` (default: every management scope). */
export function withOps(config: ConfigInput, grants = ALL_SCOPES): void {
  config.clients!.push({ client_id: 'ops', client_secret: OPS_SECRET, grant_types: ['client_credentials'], api_grants: { [MANAGEMENT]: grants } });
}

/** Management calls on a Tollgate whose configuration has the ops client (withOps). */
export function managed(tg: TestTollgate): ManagedTollgate {
  let allScopes: string | undefined;
  const managementToken = async (scopes?: string[]) => {
    const res = await tg.token({ grant_type: 'client_credentials', audience: MANAGEMENT, ...(scopes ? { scope: scopes.join(' ') } : {}) }, { basic: ['ops', OPS_SECRET] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token as string;
  };
  const tokenWithAllScopes = async () => {
    allScopes ??= await managementToken();
    return allScopes;
  };
  const send = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: CallOptions & { payload?: string | Buffer }) => {
    const token = options.token === undefined ? await tokenWithAllScopes() : options.token;
    const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers };
    const res = await tg.app.inject({ method, url: `/api/v2${path}`, headers, ...(options.payload === undefined ? {} : { payload: options.payload }) });
    return { status: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : res.json() };
  };
  return Object.assign(tg, {
    managementToken,
    async call(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: CallOptions = {}) {
      if (options.body === undefined) return send(method, path, options);
      const payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      return send(method, path, { ...options, payload, headers: { 'content-type': 'application/json', ...options.headers } });
    },
    async upload(path: string, fields: [string, string | Blob][], options: Omit<CallOptions, 'body'> = {}) {
      const { payload, contentType } = await multipartBody(fields);
      return send('POST', path, { ...options, payload, headers: { 'content-type': contentType, ...options.headers } });
    },
  });
}

/** A fresh Tollgate with the ops client granted `grants` (default: every management scope), closed when the test ends. */
export async function startManaged(t: { after(fn: () => Promise<void>): void }, modify: (config: ConfigInput) => void = () => {}, grants = ALL_SCOPES): Promise<ManagedTollgate> {
  return managed(await start(t, (c) => {
    withOps(c, grants);
    modify(c);
  }));
}
