/** A scenario's requests, checked with one of them first. */
import type { LoadSpec } from './load.ts';
import type { BenchTarget } from './server.ts';
import type { Scenario } from '../scenarios/types.ts';

/**
 * Prepares `scenario` against `target` and sends one request to the first of `urls`: a misconfigured scenario
 * fails here with the server's own answer. A single-use body (a rotating refresh token) is not sent again.
 */
export async function probedRequests(scenario: Scenario, target: BenchTarget, urls: string[]): Promise<Pick<LoadSpec, 'method' | 'path' | 'headers' | 'bodies'>> {
  const request = await scenario.prepare(target);
  const [probeBody, ...rest] = request.bodies;
  const probe = await fetch(urls[0] + request.path, { method: request.method, headers: request.headers, body: probeBody });
  if (probe.status !== 200) throw new Error(`${scenario.name}: probe answered ${probe.status}: ${await probe.text()}`);
  return { ...request, bodies: scenario.singleUse ? rest : request.bodies };
}
