/**
 * CPU per request: `npm run bench:cost`. Throughput on a machine others are using says little; the CPU time the
 * server spends on each request barely depends on them. Tollgate runs in this process on a WAL SQLite file, as in
 * `npm run bench`; each scenario gets a warm-up round, then BENCH_COST_ROUNDS rounds of a fixed number of requests
 * from autocannon in a worker thread, and the server's CPU is read around each round: the main thread (HTTP,
 * client authentication, the store, signing, logging: everything but argon2) and the other threads (argon2's
 * thread pool, garbage collection helpers), the load generator's thread excluded. Prints the median round.
 * BENCH_SCENARIOS, BENCH_SIGNING_ALG, BENCH_CONNECTIONS (8), BENCH_COST_ROUNDS (5) and BENCH_COST_REQUESTS (requests
 * per round; default 4,000, or 400 for scenarios that verify a password) tune it. BENCH_COST_PROFILE=DIR also writes
 * a CPU profile of the main thread over each scenario's measured rounds (setup and warm-up left out) to DIR.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { startBenchServer, type BenchServer } from './lib/server.ts';
import { runLoad } from './lib/load.ts';
import { probedRequests } from './lib/probe.ts';
import { cpuMeter } from './lib/cpu.ts';
import { grid, median } from './lib/report.ts';
import { benchSettings, machineInfo, selected } from './lib/settings.ts';
import type { Scenario } from './scenarios/types.ts';
import { passwordScenario } from './scenarios/password.ts';
import { passwordUnprotectedScenario } from './scenarios/password-unprotected.ts';
import { passwordBreachedScenario } from './scenarios/password-breached.ts';
import { refreshScenario } from './scenarios/refresh.ts';
import { clientCredentialsScenario } from './scenarios/client-credentials.ts';

const scenarios = selected('BENCH_SCENARIOS', [refreshScenario, clientCredentialsScenario, passwordScenario, passwordUnprotectedScenario, passwordBreachedScenario]);
const { connections, signingAlg } = benchSettings();
const rounds = Number(process.env.BENCH_COST_ROUNDS) || 5;
const USERS = 200;

interface Round {
  requests: number;
  /** Microseconds of CPU per request. */
  mainThread: number;
  otherThreads: number;
  perSecond: number;
}


async function measure(scenario: Scenario, server: BenchServer): Promise<Round[]> {
  const amount = Number(process.env.BENCH_COST_REQUESTS) || (scenario.verificationsPerRequest > 0 ? 400 : 4000);
  const request = await probedRequests(scenario, { ...server, requests: amount * (rounds + 1) + 1 }, [server.url]);
  let sent = 0;
  const round = async (): Promise<Round> => {
    // A single-use body (a rotating refresh token) is sent once: each round takes the next slice.
    const bodies = scenario.singleUse ? request.bodies.slice(sent, sent + amount) : request.bodies;
    sent += amount;
    const meter = cpuMeter();
    const load = await runLoad({ ...request, bodies, url: server.url, connections, seconds: 3600, amount });
    const used = meter();
    if (load.non2xx + load.errors + load.timeouts > 0) throw new Error(`${scenario.name}: failures ${JSON.stringify(load.statusCodes)}`);
    const us = (seconds: number) => (seconds * 1e6) / load.requests;
    return {
      requests: load.requests,
      mainThread: us(used.mainThread),
      otherThreads: us(used.process - used.mainThread - load.cpuSeconds),
      perSecond: load.requests / used.wall,
    };
  };
  await round();
  const profile = await startProfile();
  const measured: Round[] = [];
  for (let i = 0; i < rounds; i++) measured.push(await round());
  await profile?.(`${scenario.id}-${signingAlg}.cpuprofile`);
  return measured;
}

/** With BENCH_COST_PROFILE, profiles the main thread until the returned function is called with a file name. */
async function startProfile(): Promise<((name: string) => Promise<void>) | undefined> {
  const dir = process.env.BENCH_COST_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (name) => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), JSON.stringify(profile));
  };
}

const machine = machineInfo();
console.log(`CPU per request on ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverage1m.toFixed(2)}`);
console.log(`${signingAlg}, ${connections} connections, ${rounds} rounds after a warm-up, WAL SQLite file\n`);
const server = await startBenchServer({ users: USERS, signingAlg });
const unprotected = scenarios.some((s) => s.unprotected) ? await startBenchServer({ users: USERS, signingAlg, protection: false }) : undefined;
const results: { id: string; name: string; rounds: Round[]; mainThread: number; otherThreads: number }[] = [];
try {
  for (const scenario of scenarios) {
    const measured = await measure(scenario, scenario.unprotected ? unprotected! : server);
    results.push({
      id: scenario.id, name: scenario.name, rounds: measured,
      mainThread: median(measured.map((r) => r.mainThread)), otherThreads: median(measured.map((r) => r.otherThreads)),
    });
  }
} finally {
  await server.close();
  await unprotected?.close();
}

const fmt = (x: number) => x.toFixed(0);
console.log(grid(['scenario', 'main thread µs/req (median, min-max)', 'other threads µs/req', 'req/s (noisy)'], results.map((r) => [
  r.name,
  `${fmt(r.mainThread)} (${fmt(Math.min(...r.rounds.map((x) => x.mainThread)))}-${fmt(Math.max(...r.rounds.map((x) => x.mainThread)))})`,
  fmt(r.otherThreads),
  fmt(median(r.rounds.map((x) => x.perSecond))),
])));
const out = new URL(`./results/cost-${signingAlg}.json`, import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, settings: { signingAlg, connections, rounds }, results }, null, 2)}\n`);
console.log(`\nwrote bench/results/cost-${signingAlg}.json`);
