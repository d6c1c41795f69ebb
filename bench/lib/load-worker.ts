/** Worker thread: drives one LoadSpec with autocannon and posts back a LoadResult. */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon, { type Options } from 'autocannon';
import type { LoadResult, LoadSpec } from './load.ts';

const spec = workerData as LoadSpec;
let next = 0;
const options: Options = {
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  ...(spec.amount === undefined ? {} : { amount: spec.amount }),
  requests: [{
    method: spec.method,
    path: spec.path,
    headers: spec.headers,
    setupRequest: (request) => ({ ...request, body: spec.bodies[next++ % spec.bodies.length] }),
  }],
};

// Off the main thread autocannon returns encoded histograms: aggregate them here.
const result = autocannon.aggregateResult([await autocannon(options)], options);
// Since the thread started, so the worker's own start-up counts as load generation too.
const cpu = process.threadCpuUsage();

const loadResult: LoadResult = {
  requests: result.requests.total,
  seconds: result.duration,
  perSecond: result.requests.total / result.duration,
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
};
parentPort!.postMessage(loadResult);
