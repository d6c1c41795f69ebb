/**
 * OpenTelemetry traces, off by default: a span for each request (joining the caller's trace when the request carries a
 * W3C traceparent), and under it client authentication, the grant, password verification (queue wait for a hashing
 * thread included), each store and cache call, and token signing. Exported by OTLP over HTTP (JSON) in batches.
 *
 * Spans carry names of operations and bounded values only (route patterns, methods, statuses, grant types, store
 * methods): never a username, a password, a secret, a code or a token, and no request parameter.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import type { Config } from '../config/schema.ts';
import { VERSION } from '../version.ts';
import type { CallObserver } from './instrument.ts';
import type { RequestScope } from './request-scope.ts';

export class Tracing {
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #scope: RequestScope;
  readonly #propagator = new W3CTraceContextPropagator();

  constructor(settings: Config['tracing'], scope: RequestScope) {
    this.#scope = scope;
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.service_name, [ATTR_SERVICE_VERSION]: VERSION }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sample_ratio) }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint, headers: settings.headers }))],
    });
    this.#tracer = this.#provider.getTracer('tollgate', VERSION);
  }

  /** The request's span, a child of the caller's when its headers carry a valid traceparent (W3C Trace Context §3). */
  startRequest(method: string, route: string | undefined, headers: Record<string, string | string[] | undefined>): Span {
    const parent = this.#propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.#tracer.startSpan(`${method} ${route ?? 'unmatched'}`, {
      kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}) },
    }, parent);
  }

  endRequest(span: Span, status: number): void {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }

  /** A child span of the current one, or undefined outside a traced request (background work is not traced). */
  #child(name: string, attributes?: Attributes): Span | undefined {
    const parent = this.#scope.span();
    if (parent === undefined) return undefined;
    return this.#tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
  }

  /** Runs `work` in a span named `name`; the calls it makes are that span's children. */
  async span<T>(name: string, work: () => Promise<T>, attributes?: Attributes): Promise<T> {
    const span = this.#child(name, attributes);
    if (span === undefined) return work();
    try {
      return await this.#scope.runInSpan(span, work);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      throw err;
    } finally {
      span.end();
    }
  }

  /** An observer for instrument(): a span per call, named `{kind} {operation}`. */
  observer(kind: string, attributes?: Attributes): CallObserver {
    return (operation) => {
      const span = this.#child(`${kind} ${operation}`, attributes);
      if (span === undefined) return () => {};
      return (error) => {
        // Only the error's class: a store's message may quote a value.
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        span.end();
      };
    };
  }

  /** Sends the spans still buffered, then stops exporting. */
  async close(): Promise<void> {
    await this.#provider.shutdown();
  }
}
