/**
 * Tollgate as Auth0's SDKs expect a tenant: serving TLS itself at https://localhost:{port} with the issuer
 * https://localhost:{port}/ (the trailing slash Auth0's issuers have), a throwaway CA written to a file for
 * NODE_EXTRA_CA_CERTS, on the real clock (the SDKs check exp and iat against it), with the example's kinds of clients.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { exportJWK } from 'jose';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { createServer, type Tollgate } from '../../src/server.ts';
import { API, PASSWORD, REALM_GRANT, SECRET, baseConfig } from './tollgate.ts';
import { certificateAuthority } from './certificates.ts';
import { ALL_SCOPES, OPS_SECRET } from './management.ts';

export interface Auth0Tenant {
  tollgate: Tollgate;
  /** host:port, what the SDKs take as `domain`. */
  domain: string;
  issuer: string;
  /** The CA's certificate file, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** The environment the SDK scripts in test/fixtures read. */
  env: Record<string, string>;
}

async function freePort(): Promise<number> {
  const server = netServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `tls: false` serves plain HTTP on loopback (for clients that take no CA, such as openid-client on the global fetch). */
export async function startAuth0Tenant(t: { after(fn: () => Promise<void>): void }, options: { tls?: boolean; modify?: (config: ConfigInput) => void } = {}): Promise<Auth0Tenant> {
  const port = await freePort();
  const domain = `localhost:${port}`;
  const issuer = `${options.tls === false ? 'http' : 'https'}://${domain}/`;
  const ca = await certificateAuthority();
  const server = await ca.issue({ subject: 'CN=localhost', san: { dns: ['localhost'], ip: ['127.0.0.1'] } });
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-auth0-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  const signed = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const input = baseConfig();
  input.issuer = issuer;
  input.port = port;
  if (options.tls !== false) input.tls = { cert: server.cert, key: server.key };
  input.clients!.push({ client_id: 'ops', client_secret: OPS_SECRET, grant_types: ['client_credentials'], api_grants: { [`${issuer}api/v2/`]: ALL_SCOPES } });
  input.clients!.push(
    // As Auth0's dashboard makes a regular web app: client_secret_post, which the SDK's body-borne secret matches.
    { client_id: 'app', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post', grant_types: ['password', REALM_GRANT, 'refresh_token', 'client_credentials'], scope: 'openid profile email offline_access read:items', api_grants: { [API]: ['read:items'] } },
    { client_id: 'signed', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...(await exportJWK(signed.publicKey)), kid: 'sdk-1' }] }, grant_types: ['client_credentials'], api_grants: { [API]: ['read:items'] } },
  );
  options.modify?.(input);
  const config = parseConfig(input, 'test', {});
  const quiet = new Writable({ write(_chunk, _enc, done) { done(); } });
  const tollgate = await createServer(config, { logStream: quiet });
  await tollgate.app.listen({ port, host: '127.0.0.1' });
  t.after(async () => {
    await tollgate.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    tollgate, domain, issuer, caFile,
    env: {
      AUTH0_DOMAIN: domain, APP_ID: 'app', APP_SECRET: SECRET, USERNAME: 'alice', PASSWORD, REALM: 'customers', API,
      SIGNED_ID: 'signed', SIGNED_KEY: signed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      OPS_ID: 'ops', OPS_SECRET,
    },
  };
}
