/**
 * Black-box tests of mutual TLS (RFC 8705) over real TLS handshakes with certificates made for the test:
 * tls_client_auth (§2.1), self_signed_tls_client_auth (§2.2), certificate-bound access tokens (§3) at /userinfo
 * and introspection, bound refresh tokens of public clients (§4), discovery (§3.3, §5), and the client
 * certificate forwarded by a TLS-terminating proxy, believed only from trusted proxies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { decodeJwt } from 'jose';
import { API, NOW, PASSWORD, REALM_GRANT, SECRET, aliceLogin, basicAuth, start } from '../helpers/tollgate.ts';
import { certificateAuthority, selfSigned, type Issued } from '../helpers/certificates.ts';
import { startTls, type TlsTollgate } from '../helpers/tls.ts';
import { assertInvalidClient, assertIssuedTo, assertWrongMethod } from '../helpers/client-auth.ts';
import { withMfa } from '../helpers/mfa.ts';
import type { ConfigInput } from '../../src/config/schema.ts';

const ca = await certificateAuthority('CN=Client CA');
const otherCa = await certificateAuthority('CN=Another CA');
// RFC 4514 writes the subject last attribute first: this certificate lists C, O, CN.
const byDn = await ca.issue({ subject: 'C=US,O=Example\\, Inc.,CN=reporting-job' });
const bySan = await ca.issue({
  subject: 'CN=gateway',
  san: { dns: ['gateway.example.com'], uri: ['spiffe://example.com/gateway'], ip: ['10.1.2.3'], email: ['ops@example.com'] },
});
const wildcard = await ca.issue({ subject: 'CN=wild', san: { dns: ['*.example.com'] } });
const impostor = await otherCa.issue({ subject: 'C=US,O=Example\\, Inc.,CN=reporting-job' });
const expired = await ca.issue({ subject: 'C=US,O=Example\\, Inc.,CN=reporting-job', notBefore: NOW - 86_400 * 10, notAfter: NOW - 86_400 });
const device = await selfSigned({ subject: 'CN=device-1' });
const otherDevice = await selfSigned({ subject: 'CN=device-1' });

const ccGrant = { grant_type: 'client_credentials', audience: API };

/** Clients for each way of naming a certificate, all for client_credentials. */
function mtlsClients(c: ConfigInput): void {
  c.tls!.client_ca = ca.cert;
  const cc = { grant_types: ['client_credentials' as const], api_grants: { [API]: ['read:items'] } };
  c.clients!.push(
    { client_id: 'by-dn', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=reporting-job,O=Example\\, Inc.,C=US', ...cc },
    { client_id: 'by-dns', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'gateway.example.com', ...cc },
    { client_id: 'by-uri', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_uri: 'spiffe://example.com/gateway', ...cc },
    { client_id: 'by-ip', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_ip: '10.1.2.3', ...cc },
    { client_id: 'by-email', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_email: 'ops@example.com', ...cc },
    { client_id: 'device', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [device.jwk] }, ...cc },
    {
      client_id: 'bound-job', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=reporting-job,O=Example\\, Inc.,C=US',
      tls_client_certificate_bound_access_tokens: true, introspection: true, grant_types: ['client_credentials', 'password'], api_grants: { [API]: ['read:items'] },
    },
    { client_id: 'bound-app', token_endpoint_auth_method: 'none', tls_client_certificate_bound_access_tokens: true, grant_types: [REALM_GRANT, 'refresh_token'] },
    { client_id: 'bound-web', client_secret: SECRET, tls_client_certificate_bound_access_tokens: true, grant_types: ['password', 'refresh_token'] },
  );
}

const token = (tg: TlsTollgate, form: Record<string, string>, client?: Issued, headers?: Record<string, string>) =>
  tg.request('/oauth/token', { form, client, headers });

const thumbprint = (issued: Issued) => issued.x5tS256;

// ---- tls_client_auth (RFC 8705 §2.1) ----

test('RFC 8705 §2.1.2: tls_client_auth with the registered subject DN, over a real TLS handshake', async (t) => {
  const tg = await startTls(t, mtlsClients);
  assertIssuedTo(await token(tg, { ...ccGrant, client_id: 'by-dn' }, byDn), 'by-dn');
});

test('RFC 8705 §2.1.2: tls_client_auth with a registered SAN: dNSName, URI, iPAddress, rfc822Name', async (t) => {
  const tg = await startTls(t, mtlsClients);
  for (const id of ['by-dns', 'by-uri', 'by-ip', 'by-email']) assertIssuedTo(await token(tg, { ...ccGrant, client_id: id }, bySan), id);
  // Each name belongs to one certificate: the DN client's certificate is not the SAN clients', nor the other way round.
  for (const id of ['by-dns', 'by-uri', 'by-ip', 'by-email']) assertInvalidClient(await token(tg, { ...ccGrant, client_id: id }, byDn));
  assertInvalidClient(await token(tg, { ...ccGrant, client_id: 'by-dn' }, bySan));
  // A wildcard certificate does not stand for the one host registered.
  assertInvalidClient(await token(tg, { ...ccGrant, client_id: 'by-dns' }, wildcard));
});

test('RFC 8705 §2.1: a certificate from another CA, an expired one, or none at all is invalid_client', async (t) => {
  const tg = await startTls(t, mtlsClients);
  assertInvalidClient(await token(tg, { ...ccGrant, client_id: 'by-dn' }, impostor));
  assertInvalidClient(await token(tg, { ...ccGrant, client_id: 'by-dn' }, expired));
  assertInvalidClient(await token(tg, { ...ccGrant, client_id: 'by-dn' }));
  // A self-signed certificate with the registered subject is no CA's certificate.
  assertInvalidClient(await token(tg, { ...ccGrant, client_id: 'by-dn' }, await selfSigned({ subject: 'C=US,O=Example\\, Inc.,CN=reporting-job' })));
});

test('RFC 6749 §2.3: a certificate client cannot use a secret, and a secret client\'s certificate does not authenticate it', async (t) => {
  const tg = await startTls(t, mtlsClients);
  assertWrongMethod(await token(tg, { ...ccGrant, client_id: 'by-dn', client_secret: SECRET }, byDn), 'tls_client_auth', 'client_secret_post');
  // web is a client_secret_basic client: with only a certificate and its client_id, it has not authenticated.
  assertWrongMethod(await token(tg, { ...aliceLogin, client_id: 'web' }, byDn), 'client_secret_basic', 'none');
  // With its secret it authenticates, and the certificate (not asked for) changes nothing.
  const res = await token(tg, aliceLogin, byDn, { authorization: basicAuth('web', SECRET) });
  assertIssuedTo(res, 'web');
  assert.equal(decodeJwt(res.body.access_token).cnf, undefined);
});

// ---- self_signed_tls_client_auth (RFC 8705 §2.2) ----

test('RFC 8705 §2.2: self_signed_tls_client_auth with the certificate registered in the client\'s jwks', async (t) => {
  const tg = await startTls(t, mtlsClients);
  assertIssuedTo(await token(tg, { ...ccGrant, client_id: 'device' }, device), 'device');
  // The same subject, but another key and certificate.
  assertInvalidClient(await token(tg, { ...ccGrant, client_id: 'device' }, otherDevice));
  assertInvalidClient(await token(tg, { ...ccGrant, client_id: 'device' }));
});

// ---- Certificate-bound tokens (RFC 8705 §3, §4) ----

test('RFC 8705 §3: a certificate-bound access token carries cnf x5t#S256, and /userinfo takes it only with that certificate', async (t) => {
  const tg = await startTls(t, mtlsClients);
  const res = await token(tg, { ...aliceLogin, client_id: 'bound-job', scope: 'openid' }, byDn);
  assertIssuedTo(res, 'bound-job');
  assert.equal(res.body.token_type, 'Bearer', 'RFC 8705 §3: still the Bearer scheme');
  const claims = decodeJwt(res.body.access_token);
  assert.deepEqual(claims.cnf, { 'x5t#S256': thumbprint(byDn) });
  // RFC 8705 §3.1: base64url of the SHA-256 of the DER certificate, here from Node's own fingerprint.
  assert.equal(thumbprint(byDn), Buffer.from(new X509Certificate(byDn.cert).fingerprint256.replace(/:/g, ''), 'hex').toString('base64url'));
  const bearer = { authorization: `Bearer ${res.body.access_token}` };
  const ok = await tg.request('/userinfo', { headers: bearer, client: byDn });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  for (const client of [undefined, bySan, impostor]) {
    const refused = await tg.request('/userinfo', { headers: bearer, client });
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'invalid_token');
    assert.match(String(refused.headers['www-authenticate']), /^Bearer .*error="invalid_token"/);
  }
});

test('RFC 8705 §3.2 / RFC 7662: introspection shows the binding, for the resource server to check', async (t) => {
  const tg = await startTls(t, mtlsClients);
  const issued = await token(tg, { ...ccGrant, client_id: 'bound-job' }, byDn);
  assertIssuedTo(issued, 'bound-job');
  const res = await tg.request('/oauth/introspect', { form: { token: issued.body.access_token, client_id: 'bound-job' }, client: byDn });
  assert.equal(res.status, 200);
  assert.equal(res.body.active, true);
  assert.deepEqual(res.body.cnf, { 'x5t#S256': thumbprint(byDn) });
  // An unbound token has no cnf.
  const plain = await token(tg, { ...ccGrant, client_id: 'by-dns' }, bySan);
  const unbound = await tg.request('/oauth/introspect', { form: { token: plain.body.access_token, client_id: 'bound-job' }, client: byDn });
  assert.equal(unbound.body.active, true);
  assert.equal(unbound.body.cnf, undefined);
});

test('RFC 8705 §3: a client registered for bound tokens that presents no certificate gets none', async (t) => {
  const tg = await startTls(t, mtlsClients);
  const res = await token(tg, aliceLogin, undefined, { authorization: basicAuth('bound-web', SECRET) });
  assert.equal(res.status, 400);
  assert.equal(res.body.error, 'invalid_request');
  // With any certificate (a secret client's certificate need not come from a CA), the token is bound to it.
  const bound = await token(tg, aliceLogin, device, { authorization: basicAuth('bound-web', SECRET) });
  assertIssuedTo(bound, 'bound-web');
  assert.deepEqual(decodeJwt(bound.body.access_token).cnf, { 'x5t#S256': thumbprint(device) });
});

test('RFC 8705 §4: a public client\'s refresh token is bound to its certificate; a confidential client\'s is not', async (t) => {
  const tg = await startTls(t, mtlsClients);
  const login = await token(tg, { grant_type: REALM_GRANT, realm: 'customers', username: 'alice', password: PASSWORD, client_id: 'bound-app', scope: 'openid offline_access' }, device);
  assertIssuedTo(login, 'bound-app');
  const refresh = (refreshToken: string, client?: Issued) => token(tg, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'bound-app' }, client);
  for (const client of [undefined, otherDevice]) {
    const stolen = await refresh(login.body.refresh_token, client);
    assert.equal(stolen.status, 400, JSON.stringify(stolen.body));
    assert.equal(stolen.body.error, client ? 'invalid_grant' : 'invalid_request');
  }
  const rotated = await refresh(login.body.refresh_token, device);
  assertIssuedTo(rotated, 'bound-app');
  assert.deepEqual(decodeJwt(rotated.body.access_token).cnf, { 'x5t#S256': thumbprint(device) });
  // The refusals above revoked nothing; the successor is bound too.
  assert.equal((await refresh(rotated.body.refresh_token, otherDevice)).body.error, 'invalid_grant');
  assertIssuedTo(await refresh(rotated.body.refresh_token, device), 'bound-app');

  // A confidential client is bound by its authentication: its refresh token works with another certificate.
  const web = { authorization: basicAuth('bound-web', SECRET) };
  const confidential = await token(tg, { ...aliceLogin, scope: 'openid offline_access' }, device, web);
  assertIssuedTo(confidential, 'bound-web');
  const renewed = await token(tg, { grant_type: 'refresh_token', refresh_token: confidential.body.refresh_token }, otherDevice, web);
  assertIssuedTo(renewed, 'bound-web');
  assert.deepEqual(decodeJwt(renewed.body.access_token).cnf, { 'x5t#S256': thumbprint(otherDevice) }, 'the new access token is bound to the new certificate');
});

test('RFC 8705 §2: a TLS client without a certificate still connects and authenticates with a secret', async (t) => {
  const tg = await startTls(t, mtlsClients);
  assertIssuedTo(await token(tg, aliceLogin, undefined, { authorization: basicAuth('web', SECRET) }), 'web');
});

// ---- Discovery (RFC 8705 §3.3, §5) ----

test('RFC 8705 §3.3, §5: discovery lists the certificate methods and bound tokens, and the mTLS aliases when they differ', async (t) => {
  const tg = await startTls(t, (c) => {
    mtlsClients(c);
    c.tls!.mtls_base_url = 'https://mtls.tollgate.test';
  });
  const doc = (await tg.request('/.well-known/openid-configuration')).body;
  for (const method of ['tls_client_auth', 'self_signed_tls_client_auth']) {
    assert.ok(doc.token_endpoint_auth_methods_supported.includes(method), method);
    assert.ok(doc.introspection_endpoint_auth_methods_supported.includes(method), method);
  }
  assert.equal(doc.tls_client_certificate_bound_access_tokens, true);
  assert.deepEqual(doc.mtls_endpoint_aliases, {
    token_endpoint: 'https://mtls.tollgate.test/oauth/token',
    revocation_endpoint: 'https://mtls.tollgate.test/oauth/revoke',
    introspection_endpoint: 'https://mtls.tollgate.test/oauth/introspect',
    userinfo_endpoint: 'https://mtls.tollgate.test/userinfo',
  });
  // Without an alias, the endpoints are the same with or without mTLS: no mtls_endpoint_aliases.
  const plain = await startTls(t, mtlsClients);
  assert.equal((await plain.request('/.well-known/openid-configuration')).body.mtls_endpoint_aliases, undefined);
  // Without any source of client certificates, the methods are not offered.
  const none = await start(t);
  const noTls = (await none.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
  assert.ok(!noTls.token_endpoint_auth_methods_supported.includes('tls_client_auth'));
  assert.equal(noTls.tls_client_certificate_bound_access_tokens, undefined);
});

// ---- Behind a TLS-terminating proxy ----

const PROXY = '10.0.0.5';

async function behindProxy(t: { after(fn: () => Promise<void>): void }) {
  const tg = await start(t, (c) => {
    c.trusted_proxies = [PROXY];
    c.tls = { client_certificate_header: 'X-SSL-Client-Cert' };
    mtlsClients(c);
  });
  return (certificateHeader: string | undefined, remoteAddress: string, clientId = 'by-dn') => tg.token({ ...ccGrant, client_id: clientId }, {
    remoteAddress, headers: certificateHeader === undefined ? {} : { 'x-ssl-client-cert': certificateHeader },
  });
}

const base64Der = (issued: Issued) => new X509Certificate(issued.cert).raw.toString('base64');

test('RFC 8705 §2 (deployment): the certificate a trusted proxy forwards authenticates, in each common encoding', async (t) => {
  const send = await behindProxy(t);
  for (const [name, header] of [
    ['URL-encoded PEM (nginx $ssl_client_escaped_cert)', encodeURIComponent(byDn.cert)],
    ['PEM with spaces for line breaks', byDn.cert.replace(/\n/g, ' ')],
    ['base64 DER', base64Der(byDn)],
    ['Envoy x-forwarded-client-cert', `Hash=abc;Cert="${encodeURIComponent(byDn.cert)}";Subject="CN=reporting-job"`],
  ] as const) {
    const res = await send(header, PROXY);
    assert.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
  }
});

test('RFC 8705 §2 (deployment): the certificate header is ignored from anyone but a trusted proxy, and garbage is no certificate', async (t) => {
  const send = await behindProxy(t);
  assertInvalidClient(await send(encodeURIComponent(byDn.cert), '203.0.113.9'));
  assertInvalidClient(await send(undefined, PROXY));
  for (const junk of ['not a certificate', '%E0%A4%A', '-----BEGIN CERTIFICATE-----AAAA-----END CERTIFICATE-----', 'x'.repeat(8000)]) {
    assertInvalidClient(await send(junk, PROXY));
  }
  // The header does not make a certificate of another CA acceptable.
  assertInvalidClient(await send(encodeURIComponent(impostor.cert), PROXY));
});

// ---- The MFA API ----

test('RFC 8705 §2 / Auth0 MFA API: a tls_client_auth client authenticates at /mfa/associate with its certificate', async (t) => {
  const tg = await startTls(t, (c) => {
    mtlsClients(c);
    c.clients!.push({
      client_id: 'mfa-job', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=reporting-job,O=Example\\, Inc.,C=US',
      grant_types: ['password'],
    });
    withMfa('always')(c);
  });
  const login = await token(tg, { ...aliceLogin, client_id: 'mfa-job' }, byDn);
  assert.equal(login.status, 403, JSON.stringify(login.body));
  const associate = (client?: Issued) => tg.request('/mfa/associate', {
    json: { client_id: 'mfa-job', authenticator_types: ['otp'] }, headers: { authorization: `Bearer ${login.body.mfa_token}` }, client,
  });
  assertInvalidClient(await associate());
  assertInvalidClient(await associate(impostor));
  const res = await associate(byDn);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.authenticator_type, 'otp');
});
