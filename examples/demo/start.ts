/**
 * `npm run demo`: Tollgate with examples/demo/tollgate.yaml, the sample API and the demo web app, each on its own
 * port (so the app calls both across origins, as a real one would), then the app's URL. The browser test starts
 * the same three through startDemo() on free ports.
 */
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createServer, loadConfigFile, type Tollgate } from 'tollgate';
import { startApi } from './api/server.ts';
import { startWeb } from './web/server.ts';

export const DEMO_PORTS = { web: 8090, tollgate: 8091, api: 8092 };
/** The API identifier in tollgate.yaml: the `aud` of the demo's access tokens. */
export const AUDIENCE = 'https://items.example.com';
export const CLIENT_ID = 'demo-web';

export interface Demo {
  appUrl: string;
  issuer: string;
  apiUrl: string;
  tollgate: Tollgate;
  close(): Promise<void>;
}

export interface DemoOptions {
  ports?: typeof DEMO_PORTS;
  /** Seconds an access token lives (default: the file's 300), so a test can watch a renewal. */
  accessTokenTtl?: number;
}

const closeServer = (server: Server) => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const ports = options.ports ?? DEMO_PORTS;
  const file = fileURLToPath(new URL('./tollgate.yaml', import.meta.url));
  const config = loadConfigFile(file, { ...process.env, DEMO_TOLLGATE_PORT: String(ports.tollgate), DEMO_WEB_PORT: String(ports.web) });
  if (options.accessTokenTtl !== undefined) config.tokens.access_token_ttl = options.accessTokenTtl;
  const issuer = config.issuer!;
  const appUrl = `http://127.0.0.1:${ports.web}`;
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  const tollgate = await createServer(config);
  const servers: Server[] = [];
  try {
    await tollgate.app.listen({ port: ports.tollgate, host: '127.0.0.1' });
    servers.push(await startApi({ issuer, audience: AUDIENCE, appOrigin: appUrl, publicUrl: apiUrl }, ports.api));
    servers.push(await startWeb({ issuer, clientId: CLIENT_ID, apiUrl, audience: AUDIENCE }, ports.web));
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    await tollgate.close();
    throw err;
  }
  return {
    appUrl, issuer, apiUrl, tollgate,
    async close() {
      await Promise.all(servers.map(closeServer));
      await tollgate.close();
    },
  };
}

if (import.meta.main) {
  const demo = await startDemo();
  console.log(`Tollgate demo: open ${demo.appUrl}`);
  console.log(`  Tollgate ${demo.issuer}, the sample API ${demo.apiUrl}; accounts and what to try: docs/demo.md`);
  console.log('  customers: alice / A3ddj3w   employees: ada / Analytical-Engine-1843 (TOTP key JBSWY3DPEHPK3PXP)');
  const stop = () => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
