/**
 * The in-memory request rate limit across the workers of one `tollgate serve`: the buckets live in the cluster
 * primary, and each worker asks it over the IPC channel. Kept in each worker, the limit would be multiplied by the
 * number of workers (connections are spread over them); kept in one place, it is the configured limit for the
 * machine. With `cache` set the buckets are in Redis instead (src/cache/rate-limit.ts) and the primary is not asked.
 */
import type { Worker } from 'node:cluster';
import type { MemoryRateCounter, RateCounter, RatePolicy, RateVerdict } from '../protection/rate-limit.ts';

interface TakeMessage {
  tollgate: 'rate-limit';
  id: number;
  op: 'take' | 'peek';
  key: string;
  policy: RatePolicy;
}

interface VerdictMessage {
  tollgate: 'rate-limit';
  id: number;
  verdict: RateVerdict;
}

function isTake(message: unknown): message is TakeMessage {
  return typeof message === 'object' && message !== null && (message as TakeMessage).tollgate === 'rate-limit' && typeof (message as TakeMessage).key === 'string';
}

/** The primary's side: answers a worker's requests from `counter`, the one set of buckets every worker shares. */
export function answerRateLimits(worker: Worker, counter: RateCounter): void {
  worker.on('message', async (message: unknown) => {
    if (!isTake(message)) return;
    const verdict = await (message.op === 'peek' ? counter.peek(message.key, message.policy) : counter.take(message.key, message.policy));
    if (worker.isConnected()) worker.send({ tollgate: 'rate-limit', id: message.id, verdict } satisfies VerdictMessage);
  });
}

/** How long a worker waits for the primary before it decides alone: the primary answers in microseconds unless it is gone. */
const ANSWER_TIMEOUT_MS = 1000;

/** A worker's side: asks the primary; while the channel is down (the primary exiting), counts in its own memory. */
export class PrimaryRateCounter implements RateCounter {
  readonly #pending = new Map<number, (verdict: RateVerdict) => void>();
  readonly #alone: MemoryRateCounter;
  #next = 0;

  constructor(alone: MemoryRateCounter) {
    this.#alone = alone;
    process.on('message', (message: unknown) => {
      const answer = message as VerdictMessage;
      if (answer?.tollgate !== 'rate-limit' || answer.verdict === undefined) return;
      this.#pending.get(answer.id)?.(answer.verdict);
    });
  }

  take(key: string, policy: RatePolicy): RateVerdict | Promise<RateVerdict> {
    return this.#ask('take', key, policy);
  }

  peek(key: string, policy: RatePolicy): RateVerdict | Promise<RateVerdict> {
    return this.#ask('peek', key, policy);
  }

  #ask(op: 'take' | 'peek', key: string, policy: RatePolicy): RateVerdict | Promise<RateVerdict> {
    if (!process.send || !process.connected) return this.#alone[op](key, policy);
    const id = ++this.#next;
    return new Promise((resolve) => {
      const settle = (verdict: RateVerdict) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(verdict);
      };
      const timer = setTimeout(() => settle(this.#alone[op](key, policy)), ANSWER_TIMEOUT_MS);
      this.#pending.set(id, settle);
      process.send!({ tollgate: 'rate-limit', id, op, key, policy } satisfies TakeMessage);
    });
  }
}
