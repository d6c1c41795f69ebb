/** `tollgate serve`: load, validate, listen, print the URL (and a ready-to-paste curl for the example). */
import cluster from 'node:cluster';
import { createServer as createNetServer } from 'node:net';
import pino from 'pino';
import { configWarnings, issuerOf } from '../config/load.ts';
import { withoutCredentials } from '../observability/start-line.ts';
import { VERSION } from '../version.ts';
import type { Config } from '../config/schema.ts';
import { systemClock } from '../clock.ts';
import { loggerOptions } from '../http/logging.ts';
import { MemoryRateCounter } from '../protection/rate-limit.ts';
import { Primary } from '../cluster/primary.ts';
import { PrimaryRateCounter } from '../cluster/rate-limit.ts';
import { LISTENING_MESSAGE } from '../cluster/messages.ts';
import { SignalInbox } from '../cluster/signals.ts';
import { poolThreads, threadPoolSize, workerCount } from '../cluster/thread-pool.ts';
import { parseOptions } from './args.ts';
import { EXAMPLE_CONFIG, UsageError, loadConfig } from './io.ts';

const HELP = `Usage: tollgate serve [--config FILE] [--port N] [--host H] [--workers N]

  --config FILE   YAML or JSON configuration (default: $TOLLGATE_CONFIG, else examples/tollgate.yaml)
  --port N        override port (0 picks a free one)
  --host H        override host
  --workers N     processes behind the one listening socket (default: the workers setting; "auto": one per core
                  on PostgreSQL, 1 on SQLite)
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

function workersOption(value: string | undefined, config: Config): number {
  if (value === undefined) return workerCount(config.workers, config.storage);
  if (value === 'auto') return workerCount('auto', config.storage);
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 1024) throw new UsageError(`--workers: "${value}" is not a number of workers (1 to 1024, or auto)`);
  return count;
}

export async function serve(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' } }, HELP);
  if (!opts) return;
  const { config, file } = loadConfig(opts.config);
  if (opts.port !== undefined) {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${opts.port}" is not a port number`);
    config.port = port;
  }
  if (opts.host !== undefined) config.host = opts.host;
  const workers = cluster.isWorker ? 1 : workersOption(opts.workers, config);
  if (workers > 1 && config.storage === 'sqlite::memory:') {
    throw new UsageError('workers: an in-memory SQLite store lives in one process, so it cannot be shared by several workers (use a file)');
  }
  if (config.port === 0 && (config.issuer === undefined || workers > 1)) config.port = await freePort(config.host);
  // Every worker gets the same share of the cores: computed here, in the primary, for all of them.
  const poolSize = threadPoolSize(config.thread_pool_size, workers);
  if (workers > 1) return serveWorkers(config, file, workers, poolSize);
  try {
    return await serveOne(config, file, poolSize);
  } finally {
    // A worker's IPC channel would keep it alive after it closed, or after it failed to start; disconnecting it the
    // cluster's way lets the process end with its exit code (a plain disconnect would exit with 0 at once).
    cluster.worker?.disconnect();
  }
}

/** One node in this process: on its own, or as one of a cluster's workers. */
async function serveOne(config: Config, file: string, poolSize: number): Promise<void> {
  // Before anything hashes, signs, reads a file asynchronously or resolves a name: libuv sizes its pool once.
  process.env.UV_THREADPOOL_SIZE = String(poolSize);
  const signals = cluster.isWorker ? SignalInbox.ofPrimary() : SignalInbox.ofProcess();
  const { createServer } = await import('../server.ts');
  const tollgate = await createServer(config, cluster.isWorker ? { rateCounter: new PrimaryRateCounter(new MemoryRateCounter(systemClock)) } : {});
  for (const warning of configWarnings(config)) tollgate.log.warn(`UNSAFE CONFIGURATION: ${warning}`);
  // The pool has started by now (the decoy hash at start): check it has the size asked for, where the system can tell.
  const threads = poolThreads();
  if (threads !== undefined && threads > 0 && threads !== poolSize) {
    tollgate.log.warn({ threads, asked: poolSize }, 'the thread pool started before UV_THREADPOOL_SIZE was set: argon2id and signing run on fewer threads than asked');
  }
  const url = await tollgate.app.listen({ port: config.port, host: config.host });
  tollgate.log.info({
    version: VERSION, config: file, store: withoutCredentials(config.storage), cache: withoutCredentials(config.cache) ?? null,
    listeners: [url, ...tollgate.listeners], issuer: issuerOf(config),
  }, 'Tollgate started');
  if (cluster.isWorker) process.send!({ tollgate: LISTENING_MESSAGE, url });
  else {
    process.stdout.write(`Tollgate listening on ${url} (config: ${file})\n`);
    if (file === EXAMPLE_CONFIG) process.stdout.write(exampleCurl(url));
  }

  const signal = await signals.next();
  const delay = config.shutdown_delay;
  if (signal === 'SIGTERM' && delay > 0) {
    // Behind a load balancer: fail the readiness check and keep serving until it has noticed, then close, so no
    // connection arrives as the listening socket closes (the kernel would reset it after the client sent its request).
    tollgate.drain();
    tollgate.log.info(`SIGTERM: draining for ${delay} s (/health/ready answers 503 draining), then closing`);
    await signals.next(delay * 1000);
  }
  signals.close();
  // Stops accepting, serves what was accepted (with Connection: close), then closes the store.
  await tollgate.close();
}

/** The cluster primary: forks the workers, prints where they listen once all do, and stops them on a signal. */
async function serveWorkers(config: Config, file: string, workers: number, poolSize: number): Promise<number> {
  const log = pino(loggerOptions(config.log_level));
  const signals = SignalInbox.ofProcess();
  const primary = new Primary({
    workers, threadPoolSize: poolSize, log, rateCounter: new MemoryRateCounter(systemClock),
    args: ['serve', '--config', file, '--port', String(config.port), '--host', config.host],
  });
  const started = primary.start();
  const first = await Promise.race([started.then(() => undefined, () => undefined), signals.next()]);
  if (first === undefined) {
    const url = await started.catch((err: Error & { code?: number }) => err);
    if (url instanceof Error) {
      process.stderr.write(`tollgate: ${url.message}\n`);
      return url.code ?? 1;
    }
    process.stdout.write(`Tollgate listening on ${url} (config: ${file}; ${workers} workers, ${poolSize} pool threads each)\n`);
    if (file === EXAMPLE_CONFIG) process.stdout.write(exampleCurl(url));
  }
  const stopped = primary.stop(first ?? (await signals.next())!);
  // Later signals are passed on too: a second SIGTERM cuts the workers' shutdown delay short, as on one node.
  void (async () => {
    for (;;) primary.stop((await signals.next())!);
  })();
  const code = await stopped;
  signals.close();
  log.info({ code }, 'every worker has exited');
  return code;
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
