/**
 * Logger settings: requests are logged by method, path and address only.
 * The query string is dropped (a token could travel there) and credential
 * headers are redacted, so no password, secret or token reaches a log.
 * Levels are written by name and times as ISO 8601, so a line reads the same to a person and to a log shipper; every
 * line written while a request is being served carries its `request_id`.
 */
import { LogController, type FastifyBaseLogger, type FastifyRequest, type FastifyReply } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type DestinationStream, type LoggerOptions } from 'pino';

/** Marks Fastify's per-request loggers, which bind request_id themselves (inherited by their children). */
const BINDS_REQUEST_ID = Symbol('binds request_id');

export function loggerOptions(level: string, requestId: () => string | undefined = () => undefined): LoggerOptions {
  return {
    level,
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Lines logged through the server's own logger during a request (an audit event, a grant's warning) get the id too.
    mixin: (_object, _level, logger) => {
      if ((logger as unknown as Record<symbol, unknown>)[BINDS_REQUEST_ID]) return {};
      const id = requestId();
      return id === undefined ? {} : { request_id: id };
    },
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

/** Fastify's childLoggerFactory: the per-request logger, marked so the mixin above does not add request_id twice. */
export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const child = logger.child(bindings, options);
  (child as unknown as Record<symbol, unknown>)[BINDS_REQUEST_ID] = true;
  return child;
}

/** A probe every few seconds from each load balancer would drown the log: health requests are logged at debug. */
function isHealthProbe(request: FastifyRequest): boolean {
  return request.url.startsWith('/health/');
}

export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (isHealthProbe(request)) request.log.debug({ req: request }, 'incoming request');
    else super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (isHealthProbe(request) && !error) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else super.requestCompleted(error, request, reply);
  }
}

/**
 * Where the log goes: a person at a terminal reads pino-pretty's coloured lines; anything else (a file, a pipe, a log
 * shipper) gets JSON lines. `output`: standard output, or another stream (tests).
 */
export async function logDestination(isTerminal = process.stdout.isTTY === true, output: number | NodeJS.WritableStream = 1): Promise<DestinationStream> {
  if (!isTerminal) return typeof output === 'number' ? pino.destination(output) : output;
  const { default: pretty } = await import('pino-pretty');
  return pretty({ colorize: isTerminal && typeof output === 'number', translateTime: 'SYS:standard', ignore: 'pid,hostname', destination: output });
}
