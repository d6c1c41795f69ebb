import type { BenchTarget } from '../lib/server.ts';
import type { LoadSpec } from '../lib/load.ts';

/** A benchmark scenario: the requests to send, and how many argon2 verifications each one costs. */
export interface Scenario {
  /** Short name for BENCH_SCENARIOS. */
  id: string;
  name: string;
  /** Compared with the raw argon2 ceiling when > 0. */
  verificationsPerRequest: number;
  /** Runs against the second server, started with attack protection off, to measure what protection costs. */
  unprotected?: boolean;
  /** Runs against a server with breached password detection on (method file), to measure what the check costs. */
  breachedFile?: boolean;
  /** Each body works once (a rotating refresh token): the probe's body is not sent again. */
  singleUse?: boolean;
  /** What to send; run.ts adds url, connections and duration. May prepare state on the server first. */
  prepare(target: BenchTarget): Promise<Pick<LoadSpec, 'method' | 'path' | 'headers' | 'bodies'>>;
}
