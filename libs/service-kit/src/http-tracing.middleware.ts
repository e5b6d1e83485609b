import type { NextFunction, Request, Response } from 'express';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { extractTraceContext, getTracer, type HeaderCarrier } from '@mediaplane/observability';

/**
 * Opens a SERVER span per HTTP request (continuing an incoming traceparent)
 * and runs the rest of the request inside it, so NATS calls made by handlers
 * join the same trace. The path goes into the span without its query string,
 * which may carry a playback token.
 */
export function httpTracingMiddleware(req: Request, res: Response, next: NextFunction): void {
  const carrier: HeaderCarrier = {
    get: (key) => {
      const v = req.headers[key.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    },
    set: () => undefined,
    keys: () => Object.keys(req.headers),
  };
  const parent = extractTraceContext(carrier, context.active());
  const path = req.path;
  const span = getTracer('mediaplane.http').startSpan(
    `${req.method} ${path}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': path } },
    parent,
  );
  res.on('finish', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), () => next());
}
