/** Settings for metrics and traces (docs/operations.md): both off unless enabled. */
import { z } from 'zod';
import { httpUrl } from './fields.ts';

export const metricsSchema = z.strictObject({
  enabled: z.boolean().default(false).describe('Serve Prometheus metrics at GET http://{metrics.host}:{metrics.port}/metrics, on a listener of their own (never the public one).'),
  host: z.string().default('127.0.0.1').describe('Address the metrics listener binds: keep it private (loopback, or the pod network a scraper reaches).'),
  port: z.number().int().min(0).max(65535).default(9464).describe('Port of the metrics listener (9464: the Prometheus exporter convention); 0 picks a free one.'),
});

export const tracingSchema = z.strictObject({
  enabled: z.boolean().default(false).describe('Send OpenTelemetry traces (OTLP over HTTP, JSON) to `tracing.endpoint`: spans for each request, client authentication, the grant, password verification, store calls and signing.'),
  endpoint: httpUrl.default('http://127.0.0.1:4318/v1/traces').describe('The OTLP/HTTP traces URL of a collector (an OpenTelemetry Collector, Jaeger, Tempo ...).'),
  headers: z.record(z.string(), z.string()).default({}).describe('Headers sent with each export, e.g. an API key for a hosted collector (use `${ENV}`).'),
  service_name: z.string().min(1).default('tollgate').describe('The service.name resource attribute the spans carry.'),
  sample_ratio: z.number().min(0).max(1).default(1)
    .describe('Share of traces started here that are recorded (0 to 1); a request that arrives with a W3C traceparent follows its caller\'s sampling decision.'),
});
