/**
 * Auth0's Node SDK, unchanged, against Tollgate serving TLS with an Auth0-style issuer: the current major (its
 * AuthenticationClient from auth0/legacy) and 4.x, each in a child process that trusts the test's CA through
 * NODE_EXTRA_CA_CERTS, as an app would. The SDK itself validates the ID token (iss with the trailing slash, aud,
 * signature), sends its secret in the body, signs private_key_jwt assertions for aud https://{domain}/, and reads
 * management errors from Auth0's shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startAuth0Tenant } from '../helpers/auth0-tenant.ts';

const run = promisify(execFile);
const SCRIPT = new URL('../fixtures/auth0-sdk/calls.ts', import.meta.url).pathname;

type Step = { ok?: any; error?: { message: string; statusCode?: number } };

async function sdkCalls(sdk: 'current' | 'v4', t: Parameters<typeof startAuth0Tenant>[0]): Promise<Record<string, Step>> {
  const tenant = await startAuth0Tenant(t);
  const { stdout } = await run(process.execPath, [SCRIPT], {
    env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: tenant.caFile, SDK: sdk, ...tenant.env }, timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

function assertSdk(results: Record<string, Step>): void {
  const ok = (name: string) => {
    assert.ok(results[name] && !results[name].error, `${name}: ${JSON.stringify(results[name])}`);
    return results[name]!.ok;
  };
  // Authentication: the SDK checked the ID token itself (it throws on a wrong iss), so a result means it accepted it.
  const login = ok('passwordGrant');
  assert.ok(login.access_token && login.id_token && login.refresh_token);
  assert.ok(ok('refreshTokenGrant').access_token);
  assert.equal(ok('revokeRefreshToken'), 200);
  assert.match(results.refreshAfterRevoke?.error?.message ?? '', /./, 'a revoked refresh token no longer works');
  assert.ok(ok('clientCredentialsGrant').access_token);
  assert.ok(ok('privateKeyJwt').access_token, 'the SDK\'s assertion (aud https://{domain}/) is accepted');
  // Management.
  const created = ok('users.create');
  assert.match(created.user_id, /./);
  assert.equal(ok('users.get').email, 'sdk-user@example.com');
  const updated = ok('users.update');
  assert.deepEqual([updated.user_metadata, updated.blocked], [{ colour: 'teal' }, true]);
  ok('userBlocks.list');
  ok('userBlocks.delete');
  assert.deepEqual(ok('users.listUsersByEmail').map((u: { user_id: string }) => u.user_id), [created.user_id]);
  assert.deepEqual(ok('users.list.q').map((u: { user_id: string }) => u.user_id), [created.user_id], 'search with q, search_engine=v3');
  ok('users.delete');
  // Auth0's error shape gives the SDK its message and status.
  const gone = results['users.get.deleted']!.error!;
  assert.equal(gone.statusCode, 404, JSON.stringify(gone));
  assert.match(gone.message, /./);
  assert.match(ok('clients.create').client_id, /./);
  ok('clients.delete');
  assert.ok(ok('logs.list') > 0);
  const job = ok('jobs.importUsers');
  assert.deepEqual([job.type, job.connection_id], ['users_import', 'customers'], JSON.stringify(job));
  const exported = ok('jobs.exportUsers');
  assert.deepEqual([exported.type, exported.status], ['users_export', 'completed'], JSON.stringify(exported));
  assert.match(exported.location, /\/api\/v2\/jobs\/job_\w+\/download$/);
}

test('Auth0\'s Node SDK, current major: authentication (legacy client) and management calls work unchanged', async (t) => {
  assertSdk(await sdkCalls('current', t));
});

test('Auth0\'s Node SDK 4.x: authentication and management calls work unchanged', async (t) => {
  assertSdk(await sdkCalls('v4', t));
});
