/**
 * A round-robin load balancer in front of Tollgate nodes, as the tests see one: each request goes to the next node
 * on a new connection (what a proxy without upstream keep-alive does). A node that refuses or resets the connection
 * before it is made never saw the request, so the request is tried on the next node; a failure once the connection
 * was made is the node's, and is thrown: the request may have been acted on.
 */
import { request } from 'node:http';

export interface Answer {
  /** Index of the node that answered. */
  node: number;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** The request reached a node, which did not answer it completely. */
export class AcceptedRequestFailed extends Error {
  readonly node: number;
  constructor(node: number, cause: unknown) {
    super(`node ${node} accepted the request and failed it: ${(cause as Error).message}`, { cause });
    this.node = node;
  }
}

export interface Send {
  method?: 'GET' | 'POST';
  path: string;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** One request to one node; rejects with AcceptedRequestFailed once connected, with the connection error before. */
export function sendTo(base: string, node: number, send: Send): Promise<Answer> {
  const body = send.form ? new URLSearchParams(send.form).toString() : undefined;
  const headers = { ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...send.headers };
  return new Promise((resolve, reject) => {
    let connected = false;
    const fail = (err: unknown) => reject(connected ? new AcceptedRequestFailed(node, err) : err);
    const req = request(new URL(send.path, base), { method: send.method ?? (body !== undefined ? 'POST' : 'GET'), headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('error', fail);
      res.on('end', () => {
        if (!res.complete) return fail(new Error('response cut short'));
        try {
          // RFC 7009 §2.2: a revocation's 200 may have no body.
          resolve({ node, status: res.statusCode!, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) });
        } catch (err) {
          fail(err);
        }
      });
    });
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('error', fail);
    req.end(body);
  });
}

export class RoundRobin {
  readonly urls: string[];
  /** Connection attempts a node refused or reset. */
  refused = 0;
  /** Requests each node has been sent and has not answered yet. */
  readonly inFlight: number[];
  /** What each node's /health/ready said last ("ok", "draining", ..., or "unreachable"); "ok" until watch() runs. */
  readonly health: string[];
  #next = 0;

  constructor(urls: string[]) {
    this.urls = urls;
    this.inFlight = urls.map(() => 0);
    this.health = urls.map(() => 'ok');
  }

  /**
   * Checks every node's /health/ready every `ms` milliseconds, as a load balancer's active health check does, and
   * sends requests to healthy nodes first. Returns the function that stops the checks.
   */
  watch(ms: number): () => void {
    let watching = true;
    const check = async (url: string, node: number) => {
      while (watching) {
        this.health[node] = await sendTo(url, node, { path: '/health/ready' }).then((r) => r.body.status as string, () => 'unreachable');
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
    };
    this.urls.forEach((url, node) => void check(url, node));
    return () => (watching = false);
  }

  /** Sends to the next healthy node, then to the others while they refuse the connection; throws when every one does. */
  async send(send: Send): Promise<Answer> {
    const n = this.urls.length;
    const order = Array.from({ length: n }, (_, i) => (this.#next + i) % n);
    const tries = [...order.filter((node) => this.health[node] === 'ok'), ...order.filter((node) => this.health[node] !== 'ok')];
    this.#next = (tries[0]! + 1) % n;
    for (const node of tries) {
      this.inFlight[node]!++;
      try {
        return await sendTo(this.urls[node]!, node, send);
      } catch (err) {
        if (err instanceof AcceptedRequestFailed) throw err;
        this.refused++;
      } finally {
        this.inFlight[node]!--;
      }
    }
    throw new Error('every node refused the connection');
  }
}
