/** MFA test kit: a real SMTP listener and an SMS webhook receiver that hand over the codes they got, and MFA API calls. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { ConfigInput } from '../../src/config/schema.ts';
import { totpCode } from '../../src/mfa/totp.ts';
import type { TestTollgate, Res } from './tollgate.ts';
import { NOW, REALM_GRANT, SECRET, aliceLogin, webClient } from './tollgate.ts';

export const MFA_OTP = 'http://auth0.com/oauth/grant-type/mfa-otp' as const;
export const MFA_OOB = 'http://auth0.com/oauth/grant-type/mfa-oob' as const;
export const MFA_RECOVERY = 'http://auth0.com/oauth/grant-type/mfa-recovery-code' as const;
export const MFA_GRANTS = [MFA_OTP, MFA_OOB, MFA_RECOVERY];

/** Codes arriving out of band, in order; `next()` waits for the next one (bounded: it fails the test, never hangs). */
export class Inbox {
  readonly messages: { to: string; body: string }[] = [];
  #waiting: (() => void)[] = [];

  push(to: string, body: string): void {
    this.messages.push({ to, body });
    for (const wake of this.#waiting.splice(0)) wake();
  }

  async next(seen: number): Promise<{ to: string; code: string }> {
    const deadline = Date.now() + 5000;
    while (this.messages.length <= seen) {
      if (Date.now() > deadline) throw new Error('no code arrived within 5 s');
      await new Promise<void>((resolve) => { this.#waiting.push(resolve); setTimeout(resolve, 100); });
    }
    const { to, body } = this.messages[seen]!;
    const code = /\b(\d{6})\b/.exec(body)?.[1];
    if (!code) throw new Error('the message holds no code');
    return { to, code };
  }

  /** The code of the message after the ones already read. */
  async latest(): Promise<{ to: string; code: string }> {
    return this.next(this.#read++);
  }
  #read = 0;
}

/** A real SMTP server on a free loopback port (no TLS, no auth: a test relay). */
export async function startSmtp(t: { after(fn: () => Promise<void>): void }): Promise<{ url: string; inbox: Inbox }> {
  const inbox = new Inbox();
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        inbox.push(session.envelope.rcptTo.map((r) => r.address).join(','), raw.slice(raw.indexOf('\r\n\r\n')));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `smtp://127.0.0.1:${port}`, inbox };
}

/** A local SMS webhook: records {to, code} and the Authorization header; `status` sets what it answers. */
export async function startSmsWebhook(t: { after(fn: () => Promise<void>): void }): Promise<{ url: string; inbox: Inbox; authorizations: (string | undefined)[]; setStatus(code: number): void }> {
  const inbox = new Inbox();
  const authorizations: (string | undefined)[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      authorizations.push(req.headers.authorization);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; code: string; message: string };
      if (status === 200) inbox.push(body.to, body.message);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}/sms`, inbox, authorizations, setStatus: (code) => { status = code; } };
}

/** The base configuration with MFA required for customers and the MFA grants on every client. */
export function withMfa(policy: 'if_enrolled' | 'always', extra: (c: ConfigInput) => void = () => {}): (c: ConfigInput) => void {
  return (c) => {
    c.connections = [{ name: 'customers', mfa: { policy, factors: ['otp', 'recovery-code'] } }, { name: 'employees' }];
    c.clients = c.clients!.map((client) => ({ ...client, grant_types: [...(client.grant_types ?? []), ...MFA_GRANTS] }));
    extra(c);
  };
}

/** An MFA API call: `bearer` in the Authorization header, `body` as JSON (Auth0's SDKs send JSON with arrays). */
export async function mfaApi(tg: TestTollgate, method: 'GET' | 'POST' | 'DELETE', path: string, opts: { bearer?: string; body?: unknown } = {}): Promise<Res> {
  const res = await tg.app.inject({
    method, url: path,
    headers: { ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body ? { payload: JSON.stringify(opts.body) } : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : res.json() };
}

/** The web client's credentials in an MFA API body. */
export const webInBody = { client_id: 'web', client_secret: SECRET };

/** Alice's password login, answered 403 mfa_required: its mfa_token. */
export async function mfaRequired(tg: TestTollgate): Promise<string> {
  const res = await tg.token({ ...aliceLogin, scope: 'openid offline_access' }, { basic: webClient });
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.equal(res.body.error, 'mfa_required');
  assert.equal(res.body.error_description, 'Multifactor authentication required');
  assert.match(res.body.mfa_token, /^[A-Za-z0-9_-]{43}$/);
  return res.body.mfa_token;
}

/** policy always: the first login enrols OTP with its mfa_token and confirms it; returns the secret and recovery code. */
export async function enrolOtp(tg: TestTollgate): Promise<{ secret: string; recoveryCode: string }> {
  const mfaToken = await mfaRequired(tg);
  const res = await mfaApi(tg, 'POST', '/mfa/associate', { bearer: mfaToken, body: { ...webInBody, authenticator_types: ['otp'] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const confirmed = await tg.token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp: totpCode(res.body.secret, NOW) }, { basic: webClient });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return { secret: res.body.secret, recoveryCode: res.body.recovery_codes[0] };
}

export { NOW, REALM_GRANT };
