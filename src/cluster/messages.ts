/** What the cluster primary and its workers tell each other over the IPC channel, besides the rate limit's questions. */

/** Primary to worker: a signal the primary received, to act on as if the worker had received it (serve.ts). */
export const SIGNAL_MESSAGE = 'signal';
/** Worker to primary: the worker listens, on this URL. */
export const LISTENING_MESSAGE = 'listening';

export function isSignalMessage(message: unknown): message is { tollgate: typeof SIGNAL_MESSAGE; signal: 'SIGTERM' | 'SIGINT' } {
  const m = message as { tollgate?: unknown; signal?: unknown } | null;
  return m?.tollgate === SIGNAL_MESSAGE && (m.signal === 'SIGTERM' || m.signal === 'SIGINT');
}

export function isListeningMessage(message: unknown): message is { tollgate: typeof LISTENING_MESSAGE; url: string } {
  const m = message as { tollgate?: unknown; url?: unknown } | null;
  return m?.tollgate === LISTENING_MESSAGE && typeof m.url === 'string';
}
