/**
 * Why a PostgreSQL store could not be opened, in one line an operator can act on: where it was looked for (host, port,
 * database; never the user's password) and the cause (refused, timed out, authentication, no such database or host).
 */

/** pg's and the network's codes, in words. */
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running and listening there?)',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  '28P01': 'authentication failed (wrong password)',
  '28000': 'authentication failed (no pg_hba.conf entry or role not allowed)',
  '3D000': 'the database does not exist',
  '57P03': 'the server is starting up or shutting down',
  '53300': 'too many connections',
};

/** The first code (or message) in the error and its causes, however they are nested. */
function causeOf(err: unknown, depth = 0): string {
  if (!(err instanceof Error) || depth > 4) return String(err);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && CAUSES[code] !== undefined) return `${CAUSES[code]} [${code}]`;
  if (/timeout/i.test(err.message)) return `timed out (${err.message})`;
  const inner = err instanceof AggregateError ? err.errors[0] : err.cause;
  if (inner !== undefined) return causeOf(inner, depth + 1);
  return typeof code === 'string' ? `${err.message} [${code}]` : err.message;
}

export class StoreOpenError extends Error {
  constructor(url: string, cause: unknown) {
    let where = 'PostgreSQL';
    try {
      const parsed = new URL(url);
      const database = decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres';
      where = `PostgreSQL at ${parsed.hostname || 'localhost'}:${parsed.port || '5432'}, database "${database}"`;
    } catch {
      // A URL the schema accepted but URL cannot parse: say only what it is.
    }
    super(`cannot open the store (${where}): ${causeOf(cause)}`, { cause });
    this.name = 'StoreOpenError';
  }
}
