/** Runs autocannon in a worker thread, so the load generator does not share the server's event loop. */
import { Worker } from 'node:worker_threads';

/** One request shape; the bodies are sent in turn, shared across all connections. */
export interface LoadSpec {
  /** Several nodes: the connections are spread over them in turn, as a round-robin load balancer would. */
  url: string | string[];
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  seconds: number;
  /** Stop after this many requests instead of after `seconds`. */
  amount?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU-seconds the load generator's thread used. */
  cpuSeconds: number;
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: spec });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker exited with code ${code}`)));
  });
}
