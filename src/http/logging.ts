/**
 * Logger settings: requests are logged by method, path and address only.
 * The query string is dropped (a token could travel there) and credential
 * headers are redacted, so no password, secret or token reaches a log.
 */
import type { LoggerOptions } from 'pino';

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers.dpop', 'password', 'client_secret', 'client_assertion', 'access_token', 'id_token', 'refresh_token'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
        method: req.method,
        path: req.url.split('?')[0],
        ip: req.ip ?? req.socket?.remoteAddress,
      }),
    },
  };
}
