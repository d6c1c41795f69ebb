/** `tollgate logs`: the audit events, newest first. */
import { EVENT_TYPES, type EventType } from '../model/events.ts';
import { parseOptions } from './args.ts';
import { UsageError, isoTime, loadConfig, tsv } from './io.ts';
import { nowSeconds, withStore } from './store.ts';

const HELP = `Usage:
  tollgate logs [--user U] [--type T] [--since WHEN] [--limit N] [--json] [--config FILE]

  --user    a user id (sub) or a username
  --type    one of: ${EVENT_TYPES.join(', ')}
  --since   an ISO 8601 time (2026-11-21T10:00:00Z) or a duration back from now (90s, 30m, 12h, 7d)
  --limit   at most this many events (default 100)
`;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "30m" back from now, or an absolute ISO time; unix seconds. */
export function parseSince(value: string, now: number): number {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!]!;
  const absolute = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(absolute)) {
    throw new UsageError(`--since: expected an ISO 8601 time or a duration such as 30m, got "${value}"`);
  }
  return Math.floor(absolute / 1000);
}

export async function logs(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, {
    config: { type: 'string' }, user: { type: 'string' }, type: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' },
  }, HELP);
  if (!opts) return;
  if (opts.type !== undefined && !EVENT_TYPES.includes(opts.type as EventType)) throw new UsageError(`--type: unknown event type "${opts.type}"\n\n${HELP}`);
  const limit = opts.limit === undefined ? 100 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit: expected a whole number from 1 to 100000');
  const since = opts.since === undefined ? undefined : parseSince(opts.since, nowSeconds());
  const { config } = loadConfig(opts.config);
  const events = await withStore(config, (store) => store.events.listEvents({ user: opts.user, type: opts.type as EventType | undefined, since, limit }));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
    return;
  }
  process.stdout.write(tsv(['time', 'type', 'outcome', 'user', 'ip', 'client_id', 'request_id', 'reason'], events.map((e) => [
    isoTime(e.time), e.type, e.outcome, [e.connection, e.username ?? e.user_id].filter(Boolean).join('/') || '-', e.ip ?? '-', e.client_id ?? '-',
    e.request_id ?? '-', e.reason ?? '',
  ])));
}
