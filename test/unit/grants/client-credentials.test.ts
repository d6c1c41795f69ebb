/** grant_type=client_credentials (RFC 6749 §4.4) on its own, against fakes of the three services it declares. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientCredentialsGrant, type ClientCredentialsServices } from '../../../src/grants/client-credentials.ts';
import type { GrantContext } from '../../../src/grants/grant.ts';
import type { ApiRecord } from '../../../src/model/directory.ts';
import type { ClientRecord } from '../../../src/model/client.ts';
import type { Confirmation } from '../../../src/model/tokens.ts';
import { clientRecord } from '../../helpers/records.ts';

const API: ApiRecord = { identifier: 'https://api', name: null, scopes: ['read', 'write', 'admin'], access_token_ttl: null };

/** Runs the grant; the fake issuer answers with the claims it was asked to sign. */
function run(options: { params?: Record<string, string>; client?: Partial<ClientRecord>; apis?: ApiRecord[]; defaultAudience?: string; possession?: Confirmation }) {
  const services: ClientCredentialsServices = {
    apis: { getApi: async (identifier) => (options.apis ?? [API]).find((a) => a.identifier === identifier) },
    policy: { defaultAudience: options.defaultAudience, accessTokenTtl: 600 },
    issuer: { accessToken: async (req) => JSON.stringify(req) },
  };
  const ctx = {
    params: new Map(Object.entries(options.params ?? {})),
    client: clientRecord({ client_id: 'svc', grant_types: ['client_credentials'], api_grants: { 'https://api': ['read', 'write'] }, ...options.client }),
    request: { ip: '192.0.2.1', userAgent: undefined },
    services,
    possession: options.possession ?? {},
    receivedAt: 0,
  };
  return clientCredentialsGrant.handle(ctx as unknown as GrantContext);
}

const claims = (access_token: string) => JSON.parse(access_token) as { sub: string; scope: string[]; audience: string; ttl: number; cnf?: Confirmation };

test('the scopes the client was granted on the audience, for the client itself, with the policy lifetime; no refresh or ID token', async () => {
  const response = await run({ params: { audience: 'https://api' } });
  assert.deepEqual(Object.keys(response).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
  assert.equal(response.scope, 'read write');
  assert.equal(response.expires_in, 600);
  assert.equal(response.token_type, 'Bearer');
  assert.deepEqual(claims(response.access_token), { sub: 'svc', clientId: 'svc', scope: ['read', 'write'], audience: 'https://api', ttl: 600, userinfo: false });
});

test('RFC 6749 §3.3: a requested scope is narrowed to what was granted; the API\'s own lifetime wins over the policy', async () => {
  const response = await run({ params: { audience: 'https://api', scope: 'write admin' }, apis: [{ ...API, access_token_ttl: 60 }] });
  assert.equal(response.scope, 'write');
  assert.equal(response.expires_in, 60);
});

test('the default audience when none is named; a DPoP key makes the token DPoP-bound (RFC 9449 §5)', async () => {
  const response = await run({ defaultAudience: 'https://api', possession: { jkt: 'thumb' } });
  assert.equal(response.token_type, 'DPoP');
  assert.deepEqual(claims(response.access_token).cnf, { jkt: 'thumb' });
});

test('refusals: public client, no audience, unknown audience, no grant, unknown scope', async () => {
  const refused = async (options: Parameters<typeof run>[0], error: string) => {
    await assert.rejects(run(options), (err: { error?: string }) => err.error === error, error);
  };
  await refused({ params: { audience: 'https://api' }, client: { token_endpoint_auth_method: 'none', secret_hash: null } }, 'unauthorized_client');
  await refused({}, 'invalid_request');
  await refused({ params: { audience: 'https://other' } }, 'invalid_request');
  await refused({ params: { audience: 'https://api' }, client: { api_grants: {} } }, 'access_denied');
  await refused({ params: { audience: 'https://api', scope: 'read delete' } }, 'invalid_scope');
});
