/** Tollgate serving HTTPS on a real socket, and requests with real TLS handshakes, with or without a client certificate. */
import { request as httpsRequest } from 'node:https';
import type { ConfigInput } from '../../src/config/schema.ts';
import { start, type Res, type TestTollgate } from './tollgate.ts';
import { certificateAuthority, type CertificateAuthority, type Issued } from './certificates.ts';

export interface RequestOptions {
  method?: string;
  /** A form body, or a JSON one. */
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  /** The certificate to present in the handshake. */
  client?: Issued;
}

export interface TlsTollgate extends TestTollgate {
  /** The CA that issued the server's certificate (and, unless the test says otherwise, tls.client_ca). */
  ca: CertificateAuthority;
  /** One request over a new TLS connection; `client` is the certificate to present, if any. */
  request(path: string, options?: RequestOptions): Promise<Res>;
}

/** Tollgate with tls.cert/key from a fresh CA, asking clients for certificates, listening on a free loopback port. */
export async function startTls(t: { after(fn: () => Promise<void>): void }, modify: (config: ConfigInput, ca: CertificateAuthority) => void = () => {}): Promise<TlsTollgate> {
  const ca = await certificateAuthority();
  const server = await ca.issue({ subject: 'CN=localhost', san: { dns: ['localhost'], ip: ['127.0.0.1'] } });
  const tg = await start(t, (c) => {
    c.tls = { cert: server.cert, key: server.key, client_ca: ca.cert, request_client_cert: true };
    modify(c, ca);
  });
  await tg.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = tg.app.server.address() as { port: number };
  return Object.assign(tg, {
    ca,
    request(path: string, options: RequestOptions = {}): Promise<Res> {
      const body = options.form ? new URLSearchParams(options.form).toString() : options.json === undefined ? undefined : JSON.stringify(options.json);
      const contentType = options.form ? 'application/x-www-form-urlencoded' : 'application/json';
      return new Promise((resolve, reject) => {
        const req = httpsRequest({
          host: '127.0.0.1', port, path, method: options.method ?? (body === undefined ? 'GET' : 'POST'), ca: ca.cert, agent: false,
          ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
          headers: { ...(body !== undefined ? { 'content-type': contentType } : {}), ...options.headers },
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode!, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) });
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    },
  });
}
