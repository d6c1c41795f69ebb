/**
 * Scale-out benchmark: `npm run bench:scale`. The password and refresh scenarios against Tollgate as
 * deployed, `tollgate serve` processes, on SQLite and on PostgreSQL + Redis, with one node and with two; autocannon
 * (in a worker thread) spreads its connections over the nodes in turn, as a round-robin load balancer would.
 * BENCH_DURATION, BENCH_CONNECTIONS and BENCH_SIGNING_ALG as for `npm run bench`; BENCH_TOPOLOGIES picks some of
 * sqlite-1, sqlite-2, postgres-1, postgres-2 (one worker per node) and sqlite-1w2, postgres-1w2 (one node with
 * `workers: 2`), and BENCH_SCENARIOS some of password, refresh. CPU is counted for every node and worker process.
 * PostgreSQL and Redis are the servers the tests use (TOLLGATE_TEST_POSTGRES, TOLLGATE_TEST_REDIS).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { argon2Hasher } from '../src/accounts/passwords.ts';
import { OWASP_ARGON2ID, PASSWORD } from './lib/server.ts';
import { startNodes, type Topology } from './lib/nodes.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { probedRequests } from './lib/probe.ts';
import { cpuMeter, processesBusy } from './lib/cpu.ts';
import { grid } from './lib/report.ts';
import { benchSettings, machineInfo, selected } from './lib/settings.ts';
import { passwordScenario } from './scenarios/password.ts';
import { refreshScenario } from './scenarios/refresh.ts';

const topologies = selected<Topology>('BENCH_TOPOLOGIES', [
  { id: 'sqlite-1', storage: 'sqlite', nodes: 1 },
  { id: 'sqlite-2', storage: 'sqlite', nodes: 2 },
  { id: 'postgres-1', storage: 'postgres', nodes: 1 },
  { id: 'postgres-2', storage: 'postgres', nodes: 2 },
  // One node with two workers (workers: 2), to compare with one worker back to back.
  { id: 'sqlite-1w2', storage: 'sqlite', nodes: 1, workers: 2 },
  { id: 'postgres-1w2', storage: 'postgres', nodes: 1, workers: 2 },
]);
const scenarios = selected('BENCH_SCENARIOS', [passwordScenario, refreshScenario]);
const USERS = 1000;
const { seconds, connections, signingAlg } = benchSettings();
const machine = machineInfo();
const hashing = OWASP_ARGON2ID;

interface Run extends LoadResult {
  topology: string;
  scenario: string;
  /** Shares of the machine (cpus × wall time) used by the nodes, the load generator, and everything else; idle: what none used. */
  cpu: { nodes: number; loadGenerator: number; otherProcesses: number | null; idle: number | null };
  /** CPU-milliseconds the nodes spent per request served. */
  nodeCpuMsPerRequest: number;
}

console.log(`Tollgate scale-out benchmark on ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverage1m.toFixed(2)}`);
console.log(`${seconds}s per run, ${connections} connections spread over the nodes, ${USERS} users, argon2id m=${hashing.memory_cost} t=${hashing.time_cost} p=${hashing.parallelism}, ${signingAlg}\n`);
const phc = await argon2Hasher(hashing).hash(PASSWORD);

const runs: Run[] = [];
for (const topology of topologies) {
  const nodes = await startNodes(topology, { users: USERS, phc, hashing, signingAlg });
  try {
    for (const scenario of scenarios) {
      const request = await probedRequests(scenario, nodes, nodes.urls);
      console.log(`${topology.id}: ${scenario.name}, ${seconds}s...`);
      const meter = cpuMeter();
      const nodesBefore = processesBusy(nodes.pids);
      const load = await runLoad({ url: nodes.urls, connections, seconds, ...request });
      const used = meter();
      const capacity = machine.cpus * used.wall;
      const nodesCpu = processesBusy(nodes.pids) - nodesBefore;
      runs.push({
        topology: topology.id, scenario: scenario.id, ...load,
        cpu: {
          nodes: nodesCpu / capacity,
          loadGenerator: load.cpuSeconds / capacity,
          otherProcesses: used.machine === null ? null : Math.max(0, used.machine - used.process - nodesCpu) / capacity,
          idle: used.machine === null ? null : Math.max(0, 1 - used.machine / capacity),
        },
        nodeCpuMsPerRequest: (nodesCpu * 1000) / Math.max(1, load.requests),
      });
    }
  } finally {
    await nodes.close();
  }
}

const pct = (x: number | null) => (x === null ? '?' : `${Math.round(x * 100)}%`);
const cell = (topology: Topology, scenario: string, show: (r: Run) => string) => {
  const run = runs.find((r) => r.topology === topology.id && r.scenario === scenario);
  return run ? show(run) : '';
};
const rows: string[][] = [];
for (const scenario of scenarios) {
  const row = (label: string, show: (r: Run) => string) => rows.push([label, ...topologies.map((t) => cell(t, scenario.id, show))]);
  row(`${scenario.name}s/s`, (r) => r.perSecond.toFixed(1));
  row('  latency p50 / p99', (r) => `${r.latencyMs.p50} / ${r.latencyMs.p99} ms`);
  row('  non-2xx, errors', (r) => `${r.non2xx}, ${r.errors + r.timeouts}`);
  row('  CPU nodes / load gen / other / idle', (r) => `${pct(r.cpu.nodes)} / ${pct(r.cpu.loadGenerator)} / ${pct(r.cpu.otherProcesses)} / ${pct(r.cpu.idle)}`);
  row('  node CPU per request', (r) => `${r.nodeCpuMsPerRequest.toFixed(2)} ms`);
}
console.log(`\n${grid(['', ...topologies.map((t) => t.id)], rows)}`);

const out = new URL('./results/scale.json', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
const round = (_: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v);
const settings = { seconds, connections, users: USERS, argon2id: hashing, signingAlg };
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, settings, runs }, round, 2)}\n`);
console.log('\nwrote bench/results/scale.json');

const failed = runs.filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
for (const r of failed) console.error(`FAILED ${r.topology} ${r.scenario}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts; status codes ${JSON.stringify(r.statusCodes)}`);
if (failed.length > 0) process.exitCode = 1;
