/**
 * The demo web app's server: the page, its stylesheet, its script (bundled from web/src by esbuild when the server
 * starts, so no built file is committed and nothing comes from a CDN), and /config.json, which tells the page where
 * Tollgate and the API are. A Content-Security-Policy lets the page talk to those two and nothing else.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface WebConfig {
  issuer: string;
  clientId: string;
  apiUrl: string;
  audience: string;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The page's script: TypeScript, jose and qrcode in one file for the browser. */
export async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [here('./src/main.ts')], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022',
    minify: true, sourcemap: false, legalComments: 'none', logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export async function startWeb(config: WebConfig, port: number): Promise<Server> {
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', await readFile(here('./index.html'), 'utf8')],
    '/style.css': ['text/css; charset=utf-8', await readFile(here('./style.css'), 'utf8')],
    '/app.js': ['text/javascript; charset=utf-8', await bundle()],
    '/config.json': ['application/json', JSON.stringify(config)],
  };
  const csp = [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    `connect-src 'self' ${new URL(config.issuer).origin} ${new URL(config.apiUrl).origin}`, "form-action 'none'", "frame-ancestors 'none'", "base-uri 'none'",
  ].join('; ');
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://web').pathname];
    if (req.method !== 'GET' || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': file[0], 'cache-control': 'no-store', 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer',
    });
    res.end(file[1]);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
