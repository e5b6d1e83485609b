import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { redactText } from './redact';

/** Attributes holding a bare query string (no `?`), which the text patterns need to see a parameter. */
const QUERY_ATTRIBUTES = new Set(['url.query', 'http.query']);

/**
 * Scrubs secrets from every span before it is exported, whichever
 * instrumentation made it: the http instrumentation redacts its own query
 * attributes, but others record the raw URL (Nest's `url.full` keeps
 * `?token=…`). Runs in `onEnding`, the last moment a span can still change.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    const name = redactText(span.name);
    if (name !== span.name) span.updateName(name);
    for (const [key, value] of Object.entries(span.attributes)) {
      if (typeof value !== 'string') continue;
      const redacted = QUERY_ATTRIBUTES.has(key) ? redactText(`?${value}`).slice(1) : redactText(value);
      if (redacted !== value) span.setAttribute(key, redacted);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
