/**
 * The pg.Pool underneath the PostgreSQL store: queries, transactions, and errors translated into the store's own
 * (ConflictError for a unique violation, StoreUnavailableError when the database cannot be reached).
 */
import pg from 'pg';
import { ConflictError, StoreUnavailableError, type AvailabilityWatcher } from '../errors.ts';

export interface PoolOptions {
  /** Connections per node. */
  max: number;
  /** Seconds an unused connection stays open. */
  idle_timeout: number;
  /** Seconds to wait for a connection (a new one, or a free one from a full pool). */
  connect_timeout: number;
}

export const DEFAULT_POOL: PoolOptions = { max: 10, idle_timeout: 30, connect_timeout: 5 };

export type Row = Record<string, unknown>;
export type Query = (sql: string, values?: unknown[]) => Promise<{ rows: Row[]; rowCount: number }>;

const INT8 = 20;
/** Unix seconds are bigint columns; as JS numbers they are exact far beyond any date we store. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as never,
};

/** Network errors, "connection exception" (08xxx), shutdown or startup of the server, too many connections. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '53300']);
/** pg and pg-pool report a lost connection or a pool connect timeout with a plain Error. */
const UNREACHABLE_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

export function isUnreachable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 3) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (UNREACHABLE_MESSAGES.test(err.message)) return true;
  if (err instanceof AggregateError && err.errors.some((inner) => isUnreachable(inner, depth + 1))) return true;
  return isUnreachable(err.cause, depth + 1);
}

export function translateError(err: unknown): unknown {
  if (isUnreachable(err)) return new StoreUnavailableError({ cause: err });
  if ((err as { code?: unknown }).code === '23505') {
    const { table, constraint } = err as pg.DatabaseError;
    return new ConflictError(`${table ?? 'record'} (${constraint ?? 'unique'})`);
  }
  return err;
}

export class Db {
  readonly pool: pg.Pool;
  readonly #watcher: AvailabilityWatcher | undefined;

  constructor(url: string, options: PoolOptions, watcher?: AvailabilityWatcher) {
    this.#watcher = watcher;
    this.pool = new pg.Pool({
      connectionString: url, types,
      max: options.max, idleTimeoutMillis: options.idle_timeout * 1000, connectionTimeoutMillis: options.connect_timeout * 1000,
    });
    // An idle connection the server dropped (restart, failover) is already out of the pool, which opens a new one when
    // next needed; without this listener the 'error' event would crash the process.
    this.pool.on('error', () => {});
  }

  /** `err` translated, and the watcher told when it means the database is unreachable. */
  #failure(err: unknown): unknown {
    const translated = translateError(err);
    if (translated instanceof StoreUnavailableError) this.#watcher?.failed(err);
    return translated;
  }

  query: Query = async (sql, values) => {
    let result: pg.QueryResult;
    try {
      result = await this.pool.query(sql, values);
    } catch (err) {
      throw this.#failure(err);
    }
    this.#watcher?.answered();
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  };

  /** One transaction on one connection; rolled back if `work` throws. */
  async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.#failure(err);
    }
    this.#watcher?.answered();
    // A checked-out client has no listener of its own: a connection lost between two statements must not crash us.
    let lost: unknown;
    const onError = (err: unknown) => { lost = err; };
    client.on('error', onError);
    const query: Query = async (sql, values) => {
      const result = await client.query(sql, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    };
    try {
      await query('BEGIN');
      const result = await work(query);
      await query('COMMIT');
      return result;
    } catch (err) {
      await query('ROLLBACK').catch((rollbackFailed: unknown) => { lost ??= rollbackFailed; });
      throw this.#failure(err);
    } finally {
      client.off('error', onError);
      // A client whose connection failed is destroyed rather than handed to the next caller.
      client.release(lost === undefined ? undefined : (lost as Error));
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
