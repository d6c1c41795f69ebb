/**
 * Waiting in line for a brute-force slot. When every slot of a key is in use, a login for that key does not fail:
 * it joins the key's line on this node, and the line's head asks the store again each time a slot of the key is
 * given back on this node (at once) or after a short backoff (slots other nodes give back), so valid logins are
 * served in their order of arrival. A waiter leaves the line when it gets a slot, when the key turns out to be
 * blocked (every waiter with it), or when its time is up.
 */
import type { SlotReservation } from '../model/attempts.ts';

export type SlotOutcome = 'reserved' | 'blocked' | 'timeout';

/** How the line reaches the store for one key. */
export interface SlotSource {
  reserve(): Promise<SlotReservation>;
  /** Gives back a slot reserved for a waiter that left meanwhile. */
  release(): Promise<void>;
}

interface Waiter {
  settle(outcome: SlotOutcome): void;
  fail(err: unknown): void;
}

interface Line {
  waiters: Waiter[];
  /** Set by wake(): a slot came free since the head last asked, so it asks again without a backoff. */
  woken: boolean;
  /** Cuts the head's current backoff short. */
  resume: () => void;
}

/** First retry after this many milliseconds, doubling up to MAX_BACKOFF_MS: a verification takes tens of milliseconds. */
const MIN_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 100;

export class SlotQueue {
  readonly #lines = new Map<string, Line>();

  /**
   * A slot of the key `id`: at once when one is free and nobody of this node waits for the key, else in line for
   * at most `timeoutMs`. Store errors propagate to the waiter whose attempt met them.
   */
  async acquire(id: string, source: SlotSource, timeoutMs: number): Promise<SlotOutcome> {
    if (!this.#lines.has(id)) {
      const first = await source.reserve();
      if (first.outcome !== 'full') return first.outcome;
    }
    return new Promise<SlotOutcome>((resolve, reject) => {
      let line = this.#lines.get(id);
      const startPump = line === undefined;
      if (line === undefined) {
        line = { waiters: [], woken: false, resume: () => {} };
        this.#lines.set(id, line);
      }
      const timer = setTimeout(() => {
        const at = line.waiters.indexOf(waiter);
        if (at >= 0) line.waiters.splice(at, 1);
        resolve('timeout');
      }, timeoutMs);
      const waiter: Waiter = {
        settle: (outcome) => { clearTimeout(timer); resolve(outcome); },
        fail: (err) => { clearTimeout(timer); reject(err); },
      };
      line.waiters.push(waiter);
      if (startPump) void this.#pump(id, line, source);
    });
  }

  /** A slot of `id` was given back, or its count changed, on this node: the line's head asks again at once. */
  wake(id: string): void {
    const line = this.#lines.get(id);
    if (line === undefined) return;
    line.woken = true;
    line.resume();
  }

  /** Serves the line's head until the line is empty; one store call at a time per key on this node. */
  async #pump(id: string, line: Line, source: SlotSource): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (line.waiters.length > 0) {
      let result: SlotReservation;
      line.woken = false;
      try {
        result = await source.reserve();
      } catch (err) {
        line.waiters.shift()?.fail(err);
        continue;
      }
      if (result.outcome === 'reserved') {
        backoff = MIN_BACKOFF_MS;
        const head = line.waiters.shift();
        if (head) head.settle('reserved');
        else await source.release().catch(() => {}); // lapses after its lease anyway
      } else if (result.outcome === 'blocked') {
        for (const waiter of line.waiters.splice(0)) waiter.settle('blocked');
      } else if (!line.woken) {
        await new Promise<void>((resume) => {
          const timer = setTimeout(resume, backoff);
          line.resume = () => { clearTimeout(timer); resume(); };
        });
        line.resume = () => {};
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
    this.#lines.delete(id);
  }
}
