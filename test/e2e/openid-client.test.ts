/**
 * openid-client 6, a certified relying party, unchanged against Tollgate on the real clock: discovery, then the
 * token endpoint with every client authentication method it implements (client_secret_basic, client_secret_post,
 * client_secret_jwt, private_key_jwt with RS256 and Ed25519 keys, none) and DPoP-bound tokens (RFC 9449) from P-256
 * and Ed25519 keys, which openid-client signs as ES256 and, per RFC 9864, Ed25519.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { API, PASSWORD, REALM_GRANT, SECRET } from '../helpers/tollgate.ts';
import { startAuth0Tenant } from '../helpers/auth0-tenant.ts';

const rsa = await generateKeyPair('RS256', { extractable: true });
const ed = await generateKeyPair('Ed25519', { extractable: true });
const rsaJwk = await exportJWK(rsa.publicKey);
const edJwk = await exportJWK(ed.publicKey);
const HMAC_SECRET = 'client-secret-jwt-secret-0123456789abcdefghijklmnop';

async function tenant(t: Parameters<typeof startAuth0Tenant>[0]) {
  const cc = { grant_types: ['client_credentials' as const], api_grants: { [API]: ['read:items'] } };
  return startAuth0Tenant(t, {
    tls: false,
    modify: (c) => {
      c.clients!.push(
        { client_id: 'oc-basic', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic', ...cc },
        { client_id: 'oc-jwt', client_secret: HMAC_SECRET, token_endpoint_auth_method: 'client_secret_jwt', ...cc },
        { client_id: 'oc-rsa', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [rsaJwk] }, ...cc },
        { client_id: 'oc-ed', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'Ed25519', jwks: { keys: [edJwk] }, ...cc },
      );
    },
  });
}

async function configuration(issuer: string, clientId: string, auth: client.ClientAuth): Promise<client.Configuration> {
  const config = await client.discovery(new URL(issuer), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
  return config;
}

test('openid-client: every client authentication method it has gets a token', async (t) => {
  const { issuer } = await tenant(t);
  const methods: [string, client.ClientAuth][] = [
    ['oc-basic', client.ClientSecretBasic(SECRET)],
    ['app', client.ClientSecretPost(SECRET)],
    ['oc-jwt', client.ClientSecretJwt(HMAC_SECRET)],
    ['oc-rsa', client.PrivateKeyJwt(rsa.privateKey)],
    ['oc-ed', client.PrivateKeyJwt(ed.privateKey)],
  ];
  for (const [clientId, auth] of methods) {
    const tokens = await client.clientCredentialsGrant(await configuration(issuer, clientId, auth), { audience: API });
    assert.equal(decodeJwt(tokens.access_token).client_id, clientId);
  }
  // none: a public client logging a user in with Auth0's password-realm grant.
  const mobile = await configuration(issuer, 'mobile', client.None());
  const login = await client.genericGrantRequest(mobile, REALM_GRANT, { username: 'alice', password: PASSWORD, realm: 'customers' });
  assert.equal(decodeJwt(login.access_token).client_id, 'mobile');
});

test('openid-client: DPoP-bound tokens from P-256 and Ed25519 keys (RFC 9449, RFC 9864)', async (t) => {
  const { issuer } = await tenant(t);
  const config = await configuration(issuer, 'app', client.ClientSecretPost(SECRET));
  for (const alg of ['ES256', 'Ed25519']) {
    const keyPair = await client.randomDPoPKeyPair(alg);
    const DPoP = client.getDPoPHandle(config, keyPair);
    const tokens = await client.clientCredentialsGrant(config, { audience: API }, { DPoP });
    assert.equal(tokens.token_type.toLowerCase(), 'dpop', alg);
    assert.ok((decodeJwt(tokens.access_token).cnf as { jkt?: string }).jkt, alg);
  }
});
