/** The part of autocannon's API the benchmark uses (the package ships no types). */
declare module 'autocannon' {
  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    setupRequest?: (request: Request, context: object) => Request;
  }

  export interface Options {
    /** Several URLs: the connections are spread over them in turn. */
    url: string | string[];
    connections?: number;
    duration?: number;
    /** Stop after this many requests (duration is then ignored). */
    amount?: number;
    requests?: Request[];
  }

  export interface Histogram {
    average: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    total: number;
  }

  /** The aggregated result (what autocannon resolves to on the main thread). */
  export interface Result {
    duration: number;
    latency: Histogram;
    /** `total` is the number of completed requests. */
    requests: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  }

  /** Off the main thread it resolves to a raw result instead: pass it to aggregateResult. */
  function autocannon(options: Options): Promise<unknown>;
  namespace autocannon {
    function aggregateResult(results: unknown[], options: Options): Result;
  }
  export default autocannon;
}
