/**
 * The demo's sample API, a resource server of its own: it verifies Tollgate's access tokens with jose against the
 * JWKS (signature, issuer, audience, RFC 9068's at+jwt type), requires a DPoP proof for DPoP-bound tokens (RFC 9449
 * §7), and checks scopes: GET /items needs read:items, POST /items needs write:items (else 403 insufficient_scope,
 * RFC 6750 §3.1).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { PROOF_ALGS, ProofError, SeenProofs, verifyProof } from './dpop.ts';

export interface ApiOptions {
  issuer: string;
  /** The API's identifier: the `aud` its tokens must carry. */
  audience: string;
  /** The web app's origin, the only one whose pages may call this API (CORS). */
  appOrigin: string;
  /** This API's own URL (scheme, host, port): what DPoP proofs' htu must name. */
  publicUrl: string;
}

interface Item {
  name: string;
  by: string;
  at: string;
}

class AuthError extends Error {
  readonly status: number;
  readonly error: string;
  readonly scope: string | undefined;
  constructor(status: number, error: string, description: string, scope?: string) {
    super(description);
    this.status = status;
    this.error = error;
    this.scope = scope;
  }
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

/**
 * RFC 9449 §7.1 and RFC 6750 §3: a DPoP challenge (with the accepted algorithms) and a Bearer one; a request that
 * sent no token at all gets no error code (RFC 6750 §3.1).
 */
function challenge(err: AuthError): string {
  const params = err.error !== 'invalid_request' ? [`error=${quoted(err.error)}`, `error_description=${quoted(err.message)}`, ...(err.scope ? [`scope=${quoted(err.scope)}`] : [])] : [];
  return [`DPoP ${[...params, `algs=${quoted(PROOF_ALGS.join(' '))}`].join(', ')}`, `Bearer ${params.join(', ')}`.trim()].join(', ');
}

export function startApi(options: ApiOptions, port: number): Promise<Server> {
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/.well-known/jwks.json`));
  const seen = new SeenProofs();
  const items: Item[] = [
    { name: 'Difference Engine No. 2', by: 'ada', at: '1849-01-01T00:00:00.000Z' },
    { name: 'Looking-glass', by: 'alice', at: '1871-12-27T00:00:00.000Z' },
  ];

  async function authorize(req: IncomingMessage, path: string, scope: string): Promise<JWTPayload> {
    const [scheme, token, ...rest] = (req.headers.authorization ?? '').split(' ');
    if (!token || rest.length > 0 || !/^(DPoP|Bearer)$/i.test(scheme ?? '')) throw new AuthError(401, 'invalid_request', 'An access token is required.');
    const claims = await jwtVerify(token, jwks, { issuer: options.issuer, audience: options.audience, typ: 'at+jwt' })
      .then((verified) => verified.payload)
      .catch(() => { throw new AuthError(401, 'invalid_token', 'The access token is invalid or expired.'); });
    const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
    // RFC 9449 §7.1: a DPoP-bound token comes with the DPoP scheme and a proof; §7.2: and is never accepted as a bearer token.
    if (typeof jkt === 'string') {
      const proof = req.headers.dpop;
      if (!/^DPoP$/i.test(scheme!) || typeof proof !== 'string') throw new AuthError(401, 'invalid_token', 'This token is DPoP-bound: send it as "DPoP" with a proof.');
      await verifyProof({ proof, method: req.method!, url: `${options.publicUrl}${path}`, accessToken: token, jkt }, seen).catch((err: unknown) => {
        throw err instanceof ProofError ? new AuthError(401, 'invalid_dpop_proof', err.message) : err;
      });
    } else if (!/^Bearer$/i.test(scheme!)) {
      throw new AuthError(401, 'invalid_token', 'This token is not DPoP-bound: send it as "Bearer".');
    }
    const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!granted.includes(scope)) throw new AuthError(403, 'insufficient_scope', `This needs the ${scope} scope.`, scope);
    return claims;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://api').pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.headers.origin === options.appOrigin) {
      res.setHeader('access-control-allow-origin', options.appOrigin);
      res.setHeader('access-control-expose-headers', 'WWW-Authenticate');
    }
    res.setHeader('vary', 'Origin');
    if (req.method === 'OPTIONS') {
      if (req.headers.origin === options.appOrigin) {
        res.setHeader('access-control-allow-methods', 'GET, POST');
        res.setHeader('access-control-allow-headers', 'Authorization, Content-Type, DPoP');
        res.setHeader('access-control-max-age', '600');
      }
      return send(204, undefined);
    }
    if (path !== '/items') return send(404, { error: 'not_found' });
    try {
      if (req.method === 'GET') {
        await authorize(req, path, 'read:items');
        return send(200, { items });
      }
      if (req.method === 'POST') {
        const claims = await authorize(req, path, 'write:items');
        const body = await readJson(req);
        const name = typeof body?.name === 'string' ? body.name.trim() : '';
        if (name === '' || name.length > 100) return send(400, { error: 'invalid_request', error_description: 'name: 1 to 100 characters.' });
        const item = { name, by: String(claims.sub), at: new Date().toISOString() };
        items.push(item);
        return send(201, item);
      }
      return send(405, { error: 'method_not_allowed' }, { allow: 'GET, POST, OPTIONS' });
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      return send(err.status, { error: err.error, error_description: err.message }, { 'www-authenticate': challenge(err) });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'server_error' }));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4096) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
