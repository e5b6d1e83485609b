import { ROOT_CONTEXT, context, propagation, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { platformInstrumentations } from './instrumentations';
import { RedactingSpanProcessor } from './redacting-span-processor';

export interface TracingOptions {
  serviceName: string;
  version?: string;
  /** Overrides the exporter chosen from `OTEL_TRACES_EXPORTER` (tests use an in-memory one). */
  exporter?: SpanExporter;
  env?: Record<string, string | undefined>;
}

let sdk: { provider: NodeTracerProvider; disable: () => void } | undefined;

/**
 * Starts OpenTelemetry tracing with the platform's instrumentations: a
 * NodeTracerProvider with the resource NodeSDK would detect (host, OS,
 * process, environment, instance id), not NodeSDK itself, which loads every
 * exporter it could build from the environment (OTLP over gRPC, protobuf and
 * HTTP, Zipkin, the metrics and logs SDKs, the configuration-file validator)
 * whatever is used: heap every full collection has to mark (the ingest's
 * heap at rest: 55.6 MB with NodeSDK and @nestjs/swagger, 36.8 MB without
 * either; tools/bench/README.md, "the ingest's heap").
 * Import it through `@mediaplane/observability/tracing` as the very first
 * thing an app loads: instrumentations patch modules (http, express, Nest,
 * ioredis, pino) when they are required, so whatever loaded before is not
 * traced. Spans are exported only when `OTEL_TRACES_EXPORTER` is `otlp`
 * (HTTP, configured by the standard `OTEL_EXPORTER_OTLP_*` variables) or
 * `console`, or an exporter is passed in; W3C context propagation and the ids
 * in log lines work either way. OTel logs and metrics stay off: logs are
 * pino on stdout, metrics are Prometheus.
 */
export function startTracing(options: TracingOptions): NodeTracerProvider | undefined {
  if (sdk) return sdk.provider;
  const env = options.env ?? process.env;
  if (env['OTEL_SDK_DISABLED'] === 'true') return undefined;
  const exporter = options.exporter ?? exporterFromEnv(env);
  // Redaction first: processors see a span's end in order, and the exporting one must get the scrubbed span.
  const spanProcessors: SpanProcessor[] = exporter
    ? [new RedactingSpanProcessor(), options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)]
    : [];
  const detected = detectResources({ detectors: [hostDetector, osDetector, serviceInstanceIdDetector, processDetector, envDetector] });
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: options.version ?? '0.0.0' }))
    .merge(detected)
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: env['OTEL_SERVICE_NAME'] ?? options.serviceName }));
  // No span processor means no exporting: OTel's own environment defaults (OTLP for everything) never apply.
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  provider.register({ contextManager: new AsyncLocalStorageContextManager(), propagator: new W3CTraceContextPropagator() });
  const instrumentations = platformInstrumentations();
  for (const instrumentation of instrumentations) {
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
  }
  sdk = { provider, disable: () => instrumentations.forEach((i) => i.disable()) };
  return provider;
}

/** Flushes and stops exporting, and unpatches the instrumented modules (tests start and stop tracing in one process). */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  if (!running) return;
  // Unpatch first so nothing records into a provider that is shutting down.
  running.disable();
  await running.provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

function exporterFromEnv(env: Record<string, string | undefined>): SpanExporter | undefined {
  const kind = (env['OTEL_TRACES_EXPORTER'] ?? 'none').split(',')[0]?.trim();
  if (kind === 'none' || !kind) return undefined;
  if (kind === 'otlp') {
    // Loaded lazily: the exporter pulls in protobuf code nobody needs when tracing is off.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter();
  }
  if (kind === 'console') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
    return new ConsoleSpanExporter();
  }
  throw new Error(`OTEL_TRACES_EXPORTER=${kind} is not supported here (use otlp, console or none)`);
}

export function getTracer(name = 'mediaplane'): Tracer {
  return trace.getTracer(name);
}

/** Header carrier helpers so any transport (HTTP, NATS) can carry W3C trace context. */
export interface HeaderCarrier {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  keys(): string[];
}

export function injectTraceContext(carrier: HeaderCarrier, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier, {
    set: (c, k, v) => c.set(k, v),
  });
}

export function extractTraceContext(carrier: HeaderCarrier, ctx: Context = context.active()): Context {
  return propagation.extract(ctx, carrier, {
    get: (c, k) => c.get(k),
    keys: (c) => c.keys(),
  });
}

/**
 * The active span as a W3C `traceparent`, to keep with a record that outlives
 * the request (a stream's creation); undefined when nothing is traced.
 */
export function activeTraceparent(): string | undefined {
  const headers = new Map<string, string>();
  injectTraceContext({ get: (k) => headers.get(k), set: (k, v) => headers.set(k, v), keys: () => [...headers.keys()] });
  return headers.get('traceparent');
}

/**
 * Links the active span to the span a stored `traceparent` names: work that
 * happens later, on another connection (a publish over RTMP, which carries no
 * trace context), points back at the request that set it up.
 */
export function linkActiveSpanTo(traceparent: string | undefined, attributes: Record<string, string> = {}): void {
  const span = trace.getActiveSpan();
  if (!span || !traceparent) return;
  const linked = trace.getSpanContext(
    extractTraceContext({ get: (k) => (k === 'traceparent' ? traceparent : undefined), set: () => undefined, keys: () => ['traceparent'] }, ROOT_CONTEXT),
  );
  if (linked && trace.isSpanContextValid(linked)) span.addLink({ context: linked, attributes });
}

export type { Span, Context };
