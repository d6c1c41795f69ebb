/**
 * Breached password test kit: a local Pwned Passwords range API on loopback that records everything it receives,
 * and a small sorted SHA-1 list file, both built from the passwords a test declares leaked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sha1Hex = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();

/** Every way a password could leave the server: itself, its SHA-1 whole (either case), and the 35-character suffix. */
export function secretForms(password: string): string[] {
  const hex = sha1Hex(password);
  return [password, hex, hex.toLowerCase(), hex.slice(5), hex.slice(5).toLowerCase(), encodeURIComponent(password)];
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type RangeMode = 'answer' | 'refuse' | 'hang' | 'error';

export interface RangeServer {
  /** range_url: ends in "/". */
  url: string;
  received: ReceivedRequest[];
  /** answer: the range; refuse: close the socket; hang: never answer; error: 500. */
  mode: RangeMode;
  /** Marks `password` leaked `count` times. */
  leak(password: string, count?: number): void;
  /** A barrier: while set, answers wait (at most 5 s) until it returns true. */
  holdUntil: (() => boolean) | undefined;
}

/** Answers GET /range/{5 hex} as api.pwnedpasswords.com does, padded with count-0 lines when asked to. */
export async function startRangeServer(t: { after(fn: () => Promise<void>): void }, leaked: Record<string, number> = {}): Promise<RangeServer> {
  const counts = new Map<string, number>();
  const received: ReceivedRequest[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const range: RangeServer = {
    url: '', received, mode: 'answer', holdUntil: undefined,
    leak: (password, count = 1) => void counts.set(sha1Hex(password), count),
  };
  for (const [password, count] of Object.entries(leaked)) range.leak(password, count);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      for (const deadline = Date.now() + 5000; range.holdUntil && !range.holdUntil() && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (range.mode === 'refuse') return void req.socket.destroy();
      if (range.mode === 'hang') return void hanging.add(res);
      if (range.mode === 'error') return void res.writeHead(500).end('oops');
      const prefix = /^\/range\/([0-9A-Fa-f]{5})$/.exec(req.url!)?.[1]?.toUpperCase();
      if (!prefix) return void res.writeHead(400).end('The hash prefix was not in a valid format');
      const lines = [...counts].filter(([hash]) => hash.startsWith(prefix)).map(([hash, count]) => `${hash.slice(5)}:${count}`);
      if (req.headers['add-padding'] === 'true') {
        for (let i = 0; i < 800; i++) lines.push(`${randomBytes(18).toString('hex').slice(0, 35).toUpperCase()}:0`);
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  range.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`;
  t.after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return range;
}

/** Asserts that nothing the range server received holds `password` in any form: only the 5-character prefix. */
export function receivedOnlyPrefixes(range: RangeServer, password: string): boolean {
  const everything = JSON.stringify(range.received);
  return secretForms(password).every((form) => !everything.includes(form));
}

/** A temporary folder for a list and its index, removed when the test ends. */
export function listDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-pwned-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A sorted "HASH:COUNT" list (CRLF lines, as the downloader writes it) of the leaked passwords and `filler` random hashes, in `dir`. */
export function writeLeakedList(leaked: Record<string, number>, filler: number, dir: string): string {
  const lines = Object.entries(leaked).map(([password, count]) => `${sha1Hex(password)}:${count}`);
  for (let i = 0; i < filler; i++) lines.push(`${randomBytes(20).toString('hex').toUpperCase()}:${1 + i % 50}`);
  lines.sort();
  const file = join(dir, 'pwned-sha1.txt');
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}
