/**
 * The SIGTERM and SIGINT a `tollgate serve` process acts on, in order, with none lost between two waits. A
 * process on its own takes them from the system. A cluster worker takes them from its primary only: systemd
 * (KillMode=control-group) and a terminal's Ctrl-C signal every process of the group, so a worker that acted on
 * its own copy as well would see each signal twice, and a second SIGTERM cuts the shutdown delay short.
 */
import { isSignalMessage } from './messages.ts';

export type StopSignal = 'SIGTERM' | 'SIGINT';

export class SignalInbox {
  readonly #queue: StopSignal[] = [];
  #waiter: ((signal: StopSignal) => void) | undefined;
  readonly #unlisten: () => void;

  private constructor(listen: (deliver: (signal: StopSignal) => void) => () => void) {
    this.#unlisten = listen((signal) => {
      if (this.#waiter) this.#waiter(signal);
      else this.#queue.push(signal);
    });
  }

  /** Signals sent to this process. */
  static ofProcess(): SignalInbox {
    return new SignalInbox((deliver) => {
      const onSigterm = () => deliver('SIGTERM');
      const onSigint = () => deliver('SIGINT');
      process.on('SIGTERM', onSigterm).on('SIGINT', onSigint);
      return () => process.off('SIGTERM', onSigterm).off('SIGINT', onSigint);
    });
  }

  /** Signals the cluster primary passes on; the worker's own copies are ignored, for as long as it runs. */
  static ofPrimary(): SignalInbox {
    const ignore = () => {};
    process.on('SIGTERM', ignore).on('SIGINT', ignore);
    return new SignalInbox((deliver) => {
      const onMessage = (message: unknown) => { if (isSignalMessage(message)) deliver(message.signal); };
      process.on('message', onMessage);
      return () => process.off('message', onMessage);
    });
  }

  /** The next signal, or undefined after `timeoutMs`. */
  next(timeoutMs?: number): Promise<StopSignal | undefined> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const done = (signal?: StopSignal) => {
        clearTimeout(timer);
        this.#waiter = undefined;
        resolve(signal);
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      this.#waiter = done;
    });
  }

  /** Stops listening: a process on its own meets later signals with their default action (a third Ctrl-C ends it). */
  close(): void {
    this.#unlisten();
  }
}
