/**
 * HTTP/1.1 over a bare socket, byte for byte, for what no client library sends: two Host headers, a path with %ZZ,
 * raw invalid UTF-8, headers that stop half-way.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** The first response in `data`, or undefined when its head has not arrived. */
export function parseResponse(data: Buffer): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = data.subarray(end + 4);
  const length = headers['content-length'];
  const body = length !== undefined ? rest.subarray(0, Number(length)) : headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest;
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]), headers, body: body.toString('utf8') };
}

export interface Exchange {
  /** The answer, if one came before the connection closed or the wait ended. */
  response: RawResponse | undefined;
  /** Whether the server closed the connection within the wait. */
  closed: boolean;
}

/** A connection to 127.0.0.1:`port` and what it receives. */
export function openRaw(port: number): { socket: Socket; received: () => Buffer; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/**
 * Writes `request` on a new connection and reads until the server closes it or `waitMs` pass; `end` half-closes
 * the connection after writing (a client that stops sending: a truncated request).
 */
export async function rawExchange(port: number, request: string | Buffer, options: { waitMs?: number; end?: boolean } = {}): Promise<Exchange> {
  const { socket, received, closed } = openRaw(port);
  socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  if (options.end) socket.end();
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), options.waitMs ?? 5000); })]);
  clearTimeout(timer);
  socket.destroy();
  return { response: parseResponse(received()), closed: ended };
}
