/** Boot-time checks of assertion and certificate clients and of TLS (RFC 7523, OIDC Core §9, RFC 8705): every problem names its key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configWarnings, issuerOf, parseConfig } from '../../../src/config/load.ts';
import { clientRecords } from '../../../src/config/sync.ts';
import { certificateAuthority } from '../../helpers/certificates.ts';
import { configProblems } from '../../helpers/config.ts';

const problemsOf = configProblems;

const KEY = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
const SECRET = 's'.repeat(64);

function assertProblems(clients: unknown[], expected: string[]): void {
  const problems = problemsOf({ clients });
  for (const e of expected) assert.ok(problems.includes(e), `missing "${e}" in:\n${problems.join('\n')}`);
}

test('client_secret_jwt needs the secret itself, long enough for its HMAC (RFC 7518 §3.2), and an HMAC algorithm', () => {
  assertProblems([
    { client_id: 'a', token_endpoint_auth_method: 'client_secret_jwt', client_secret_hash: `sha256:${'0'.repeat(64)}` },
    { client_id: 'b', token_endpoint_auth_method: 'client_secret_jwt', client_secret: 'x'.repeat(40), token_endpoint_auth_signing_alg: 'HS512' },
    { client_id: 'c', token_endpoint_auth_method: 'client_secret_jwt', client_secret: 'x'.repeat(31) },
    { client_id: 'd', token_endpoint_auth_method: 'client_secret_jwt', client_secret: SECRET, token_endpoint_auth_signing_alg: 'RS256' },
  ], [
    'clients[0].client_secret_hash: client_secret_jwt needs the secret itself as its HMAC key (OIDC Core §9): give client_secret',
    'clients[1].client_secret: HS512 needs a secret of at least 64 bytes (RFC 7518 §3.2)',
    'clients[2].client_secret: HS256 needs a secret of at least 32 bytes (RFC 7518 §3.2)',
    'clients[3].token_endpoint_auth_signing_alg: client_secret_jwt uses HS256, HS384 or HS512',
  ]);
});

test('private_key_jwt needs exactly one of jwks and jwks_uri, public keys only, an asymmetric algorithm, and no secret', () => {
  assertProblems([
    { client_id: 'a', token_endpoint_auth_method: 'private_key_jwt' },
    { client_id: 'b', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [KEY] }, jwks_uri: 'https://client.example/jwks' },
    { client_id: 'c', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [KEY, { ...KEY, d: 'private' }] } },
    { client_id: 'd', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [KEY] }, token_endpoint_auth_signing_alg: 'HS256' },
    { client_id: 'e', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [KEY] }, client_secret: SECRET },
    { client_id: 'f', client_secret: SECRET, token_endpoint_auth_signing_alg: 'RS256' },
  ], [
    'clients[0]: private_key_jwt needs exactly one of jwks or jwks_uri',
    'clients[1]: private_key_jwt needs exactly one of jwks or jwks_uri',
    'clients[2].jwks.keys[1].d: only public keys belong here',
    'clients[3].token_endpoint_auth_signing_alg: private_key_jwt uses an asymmetric algorithm',
    'clients[4].client_secret: a client authenticating with private_key_jwt has no secret',
    'clients[5].token_endpoint_auth_signing_alg: only for client_secret_jwt and private_key_jwt',
  ]);
  assert.ok(problemsOf({ clients: [{ client_id: 'g', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [KEY] }, token_endpoint_auth_signing_alg: 'none' }] })
    .some((p) => p.startsWith('clients[0].token_endpoint_auth_signing_alg: unknown signing algorithm "none"')));
});

test('assertion clients get their method\'s default algorithm; a jwks_uri that is not https is a boot warning', () => {
  const config = parseConfig({
    issuer: 'https://auth.example.com',
    clients: [
      { client_id: 'hmac', token_endpoint_auth_method: 'client_secret_jwt', client_secret: SECRET },
      { client_id: 'keys', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://keys.example/jwks' },
      { client_id: 'local', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://127.0.0.1:9000/jwks', token_endpoint_auth_signing_alg: 'ES256' },
      { client_id: 'basic', client_secret: SECRET },
    ],
  }, 'test', {});
  const records = clientRecords(config);
  assert.deepEqual(records.map((r) => r.token_endpoint_auth_signing_alg), ['HS256', 'RS256', 'ES256', undefined]);
  assert.ok(!('jwks' in records[3]!), 'unset metadata stays absent from the record');
  assert.deepEqual(configWarnings(config), ["clients[1].jwks_uri is not https: anyone on the path could substitute the client's keys"]);
});

test('TLS: cert and key go together, come as PEM text or a file path, and a bad one names its key', async () => {
  const ca = await certificateAuthority();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-tls-'));
  writeFileSync(join(dir, 'cert.pem'), ca.cert);
  writeFileSync(join(dir, 'key.pem'), ca.key);
  const config = parseConfig({ port: 8443, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } }, 'test', {});
  assert.equal(config.tls?.cert, ca.cert, 'a path is read at boot');
  assert.equal(issuerOf(config), 'https://127.0.0.1:8443');
  assert.deepEqual(problemsOf({ tls: { cert: ca.cert } }), ['tls: give cert and key together']);
  assert.deepEqual(problemsOf({ tls: { request_client_cert: true } }), ["tls.request_client_cert: needs tls.cert and tls.key (Tollgate's own TLS)"]);
  const bad = problemsOf({ tls: { cert: join(dir, 'missing.pem'), key: ca.cert, client_ca: 'not PEM at all' } });
  assert.ok(bad.some((p) => p.startsWith('tls.cert: not a readable PEM certificates (ENOENT')), bad.join('\n'));
  assert.ok(bad.some((p) => p.startsWith('tls.key: not a readable PEM private key')), bad.join('\n'));
  assert.ok(bad.some((p) => p.startsWith('tls.client_ca: not a readable PEM certificates')), bad.join('\n'));
});

test('RFC 8705 §2: certificate clients need a source of client certificates, a CA for tls_client_auth, and exactly one registered name', async () => {
  const ca = await certificateAuthority();
  const tls = { cert: ca.cert, key: ca.key, request_client_cert: true };
  const problems = problemsOf({
    tls,
    clients: [
      { client_id: 'a', token_endpoint_auth_method: 'tls_client_auth' },
      { client_id: 'b', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a.example', tls_client_auth_san_ip: '10.0.0.1' },
    ],
  });
  for (const expected of [
    'clients[0]: tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email (RFC 8705 §2.1.2)',
    'clients[0]: tls_client_auth needs tls.client_ca, the CAs its certificate may come from',
    'clients[1]: tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email (RFC 8705 §2.1.2)',
  ]) assert.ok(problems.includes(expected), `missing "${expected}" in:\n${problems.join('\n')}`);
  assert.deepEqual(problemsOf({ tls, clients: [{ client_id: 'e', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_ip: 'not-an-ip' }] }),
    ['clients[0].tls_client_auth_san_ip: must be an IP address']);
  const more = problemsOf({
    tls,
    clients: [
      { client_id: 'c', client_secret: SECRET, tls_client_auth_san_uri: 'spiffe://x' },
      { client_id: 'd', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [KEY] } },
    ],
  });
  assert.deepEqual(more, [
    'clients[0].tls_client_auth_san_uri: only for tls_client_auth',
    'clients[1].jwks: self_signed_tls_client_auth needs a key with the certificate in x5c (RFC 8705 §2.2)',
  ]);
  const noSource = 'client certificates need tls.cert with tls.request_client_cert, or tls.client_certificate_header behind a proxy';
  assert.deepEqual(problemsOf({
    clients: [
      { client_id: 'd', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [{ ...KEY, x5c: ['AAAA'] }] } },
      { client_id: 'w', client_secret: SECRET, tls_client_certificate_bound_access_tokens: true },
    ],
  }), [`clients[0]: ${noSource}`, `clients[1]: ${noSource}`]);
  // Behind a proxy that forwards certificates, no TLS of Tollgate's own is needed; the proxy must be trusted.
  assert.deepEqual(problemsOf({ tls: { client_certificate_header: 'x-ssl-client-cert' } }),
    ['tls.client_certificate_header: believed only from trusted_proxies, and none is configured']);
  assert.deepEqual(problemsOf({
    trusted_proxies: ['10.0.0.0/8'],
    tls: { client_certificate_header: 'x-ssl-client-cert' },
    clients: [{ client_id: 'w', client_secret: SECRET, tls_client_certificate_bound_access_tokens: true }],
  }), []);
});
