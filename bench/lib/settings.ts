/** What every benchmark reads from the environment, and the machine it runs on. */
import { cpus, loadavg } from 'node:os';
import { SIGNING_ALGS, type SigningAlg } from '../../src/protocol/algorithms.ts';

export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name] || String(fallback);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** BENCH_DURATION (seconds per run, default 10), BENCH_CONNECTIONS (default 8), BENCH_SIGNING_ALG (default RS256). */
export function benchSettings(): { seconds: number; connections: number; signingAlg: SigningAlg } {
  const signingAlg = (process.env.BENCH_SIGNING_ALG || 'RS256') as SigningAlg;
  if (!SIGNING_ALGS.includes(signingAlg)) throw new Error(`BENCH_SIGNING_ALG must be one of ${SIGNING_ALGS.join(', ')}`);
  return { seconds: positiveInt('BENCH_DURATION', 10), connections: positiveInt('BENCH_CONNECTIONS', 8), signingAlg };
}

/** The items whose `id` an environment variable lists (comma-separated), or all of them when it is unset. */
export function selected<T extends { id: string }>(variable: string, all: T[]): T[] {
  const only = process.env[variable]?.split(',').map((s) => s.trim()).filter(Boolean);
  const chosen = only ? all.filter((item) => only.includes(item.id)) : all;
  if (chosen.length === 0) throw new Error(`${variable} matches none of: ${all.map((item) => item.id).join(', ')}`);
  return chosen;
}

export function machineInfo() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4,
    loadAverage1m: loadavg()[0] ?? 0,
  };
}
