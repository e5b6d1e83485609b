import { context, propagation, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  serviceName: string;
  version?: string;
  /** Overrides the exporter chosen from `OTEL_TRACES_EXPORTER` (tests use an in-memory one). */
  exporter?: SpanExporter;
  env?: Record<string, string | undefined>;
}

let provider: NodeTracerProvider | undefined;

/**
 * Starts OpenTelemetry before Nest loads. Off unless `OTEL_TRACES_EXPORTER`
 * is `otlp` (HTTP, configured by the standard `OTEL_EXPORTER_OTLP_*`
 * variables) or an exporter is passed in. Context propagation (W3C
 * traceparent) is always on so traces pass through even when not exported.
 */
export function startTracing(options: TracingOptions): NodeTracerProvider | undefined {
  if (provider) return provider;
  const env = options.env ?? process.env;
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = options.exporter ?? exporterFromEnv(env);
  if (!exporter) return undefined;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env['OTEL_SERVICE_NAME'] ?? options.serviceName,
      [ATTR_SERVICE_VERSION]: options.version ?? '0.0.0',
    }),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  provider.register();
  return provider;
}

export async function stopTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
}

function exporterFromEnv(env: Record<string, string | undefined>): SpanExporter | undefined {
  const kind = (env['OTEL_TRACES_EXPORTER'] ?? 'none').split(',')[0]?.trim();
  if (env['OTEL_SDK_DISABLED'] === 'true' || kind === 'none' || !kind) return undefined;
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

export type { Span, Context };
