/** `tollgate serve`: load, validate, listen, print the URL (and a ready-to-paste curl for the example). */
import { createServer as createNetServer } from 'node:net';
import { configWarnings, issuerOf } from '../config/load.ts';
import { withoutCredentials } from '../observability/start-line.ts';
import { VERSION } from '../version.ts';
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
  tollgate.log.info({
    version: VERSION, config: file, store: withoutCredentials(config.storage), cache: withoutCredentials(config.cache) ?? null,
    listeners: [url, ...tollgate.listeners], issuer: issuerOf(config),
  }, 'Tollgate started');
  process.stdout.write(`Tollgate listening on ${url} (config: ${file})\n`);
  if (file === EXAMPLE_CONFIG) process.stdout.write(exampleCurl(url));

  const signal = await untilSignal();
  const delay = config.shutdown_delay;
  if (signal === 'SIGTERM' && delay > 0) {
    // Behind a load balancer: fail the readiness check and keep serving until it has noticed, then close, so no
    // connection arrives as the listening socket closes (the kernel would reset it after the client sent its request).
    tollgate.drain();
    tollgate.log.info(`SIGTERM: draining for ${delay} s (/health/ready answers 503 draining), then closing`);
    await untilSignal(delay * 1000);
  }
  // Stops accepting, serves what was accepted (with Connection: close), then closes the store.
  await tollgate.close();
}

/** The first SIGINT or SIGTERM, or undefined after `timeoutMs`; the handlers are removed either way. */
function untilSignal(timeoutMs?: number): Promise<NodeJS.Signals | undefined> {
  return new Promise((resolve) => {
    const done = (signal?: NodeJS.Signals) => {
      clearTimeout(timer);
      process.off('SIGINT', onSigint).off('SIGTERM', onSigterm);
      resolve(signal);
    };
    const onSigint = () => done('SIGINT');
    const onSigterm = () => done('SIGTERM');
    const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
    process.on('SIGINT', onSigint).on('SIGTERM', onSigterm);
  });
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
