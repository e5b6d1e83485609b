import type { IncomingMessage } from 'node:http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { SECRET_QUERY_PARAMS } from './redact';

/** Probes and scrapes arrive every few seconds and say nothing about a request's path through the platform. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The ingest's playback (`/live/{streamId}.flv`, the internal `.ts` pull) answers with media for as long as
 * somebody watches: its span would be exported only when the viewer leaves, hours later, and held with every
 * viewer meanwhile (heap snapshots after a full GC at 50 and 500 HTTP-FLV viewers: 15.5 KB per viewer with the
 * span, 12.6 KB without). Viewers are counted and logged instead. The ingest serves these paths below the
 * instrumentation altogether (service-kit's routeBelowExpress), since an ignored request is still bound to a
 * context; this keeps the span off them wherever they are served otherwise.
 */
const MEDIA_STREAM_PREFIX = '/live/';

/** Whether an incoming request gets no span: probes, scrapes and media streams. */
export function isUntracedIncomingRequest(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0] ?? '';
  return UNTRACED_PATHS.has(path) || path.startsWith(MEDIA_STREAM_PREFIX);
}

export type PlatformInstrumentation = HttpInstrumentation | ExpressInstrumentation | NestInstrumentation | IORedisInstrumentation | PinoInstrumentation;

/**
 * The instrumentations every app runs: HTTP in and out, Express routing, Nest
 * handlers, ioredis commands made on behalf of a traced request, and pino
 * (trace_id/span_id/trace_flags in every log line written inside a span).
 * Query values that carry keys or tokens are replaced before they reach a span.
 */
export function platformInstrumentations(): PlatformInstrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => isUntracedIncomingRequest(req.url),
      redactedQueryParams: [...SECRET_QUERY_PARAMS],
      redactedQueryParamsServer: [...SECRET_QUERY_PARAMS],
    }),
    // Middleware spans (body parsers, CORS) would outnumber the handlers they wrap.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
    new NestInstrumentation(),
    // Heartbeats write to Redis every few seconds; only commands inside a trace are worth a span.
    new IORedisInstrumentation({ requireParentSpan: true }),
    // Logs stay on stdout (JSON); the instrumentation only adds the span's ids to them.
    new PinoInstrumentation({ disableLogSending: true }),
  ];
}
