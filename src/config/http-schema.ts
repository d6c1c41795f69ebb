/** The `http` block: how long a client may take, and how many connections one address may hold (docs/deployment.md#hardening). */
import { z } from 'zod';

const seconds = (max: number) => z.number().min(0.1).max(max);

export const httpSchema = z.strictObject({
  headers_timeout: seconds(300).default(5)
    .describe('Seconds a client has to send a request\'s headers, counted from its first byte (or from the connection, for the first request); past it the request is answered 408 and the connection closed. Bounds slowloris-style clients, which send headers a byte at a time.'),
  request_timeout: seconds(3600).default(15)
    .describe('Seconds a client has to send a whole request, body included; past it 408 and closed. A request fully received is never cut short however long it takes to answer. Covers uploads too (POST /api/v2/jobs/users-imports): raise it when operators upload large files over slow links.'),
  keep_alive_timeout: seconds(600).default(5)
    .describe('Seconds an idle keep-alive connection stays open between requests. Behind a load balancer that reuses connections, set it above the balancer\'s own idle timeout (AWS ALB: 60, so 65), or the balancer may send a request on a connection Tollgate is closing.'),
  idle_timeout: seconds(3600).default(30)
    .describe('Seconds a connection may stay silent in either direction while a request is in progress (a client that stops reading its answer, say) before it is closed.'),
  max_connections_per_ip: z.number().int().min(0).max(1_000_000).default(100)
    .describe('Connections one client address may hold open at once (IPv6: one /64); further ones are closed at once, unanswered. 0: no cap. Counted on the socket\'s address, before any request is read, so the trusted_proxies and attack_protection.allowlist addresses are exempt: behind a proxy, cap connections there.'),
}).refine((http) => http.headers_timeout <= http.request_timeout, { error: 'headers_timeout must not exceed request_timeout', path: ['headers_timeout'] });

export type HttpConfig = z.output<typeof httpSchema>;
