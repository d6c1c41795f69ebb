/** `tollgate serve`: load, validate, listen, print the URL (and a ready-to-paste curl for the example). */
import { createServer as createNetServer } from 'node:net';
import { configWarnings } from '../config/load.ts';
import { createServer } from '../server.ts';
import { parseOptions } from './args.ts';
import { EXAMPLE_CONFIG, UsageError, loadConfig } from './io.ts';

const HELP = `Usage: tollgate serve [--config FILE] [--port N] [--host H]

  --config FILE   YAML or JSON configuration (default: $TOLLGATE_CONFIG, else examples/tollgate.yaml)
  --port N        override port (0 picks a free one)
  --host H        override host
`;

/** Port 0 without an issuer: pick the port first, so the issuer names where Tollgate really listens. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer().once('error', reject).listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function serve(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } }, HELP);
  if (!opts) return;
  const { config, file } = loadConfig(opts.config);
  if (opts.port !== undefined) {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${opts.port}" is not a port number`);
    config.port = port;
  }
  if (opts.host !== undefined) config.host = opts.host;
  if (config.port === 0 && config.issuer === undefined) config.port = await freePort(config.host);

  const tollgate = await createServer(config);
  for (const warning of configWarnings(config)) tollgate.log.warn(`UNSAFE CONFIGURATION: ${warning}`);
  const url = await tollgate.app.listen({ port: config.port, host: config.host });
  process.stdout.write(`Tollgate listening on ${url} (config: ${file})\n`);
  if (file === EXAMPLE_CONFIG) process.stdout.write(exampleCurl(url));

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await tollgate.close();
}

/** The demo credentials are the example file's own, public in the repository; never printed for a real config. */
function exampleCurl(url: string): string {
  return `
Try it (demo user from examples/tollgate.yaml):

  curl -s ${url}/oauth/token \\
    -u 'web-backend:demo-web-backend-secret-change-me-0123456789' \\
    -d grant_type=password -d username=alice -d password=A3ddj3w \\
    -d 'scope=openid profile email read:items' -d audience=https://api.example.com

`;
}
