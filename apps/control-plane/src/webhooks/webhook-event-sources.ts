import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { parseSubject, streamContracts, transcodeContracts, type EventContract, type WebhookEventType } from '@mediaplane/contracts';

interface EventSource {
  type: WebhookEventType;
  contract: EventContract;
  /** When the event happened, read from its payload. */
  occurredAt: (payload: Record<string, unknown>) => unknown;
}

/** Which durable platform event becomes which webhook event type. */
export const WEBHOOK_EVENT_SOURCES: readonly EventSource[] = [
  { type: 'stream.started', contract: streamContracts.streamStarted, occurredAt: (p) => p['startedAt'] },
  { type: 'stream.ended', contract: streamContracts.streamEnded, occurredAt: (p) => p['endedAt'] },
  { type: 'stream.publish_rejected', contract: streamContracts.publishRejected, occurredAt: (p) => p['at'] },
  { type: 'rendition.ready', contract: transcodeContracts.renditionReady, occurredAt: (p) => p['at'] },
  { type: 'recording.ready', contract: transcodeContracts.recordingReady, occurredAt: (p) => p['at'] },
];

export interface WebhookEvent {
  type: WebhookEventType;
  eventId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/**
 * Turns a durable platform event into a webhook event, or explains why not.
 * The event id derives from the message's JetStream id (Nats-Msg-Id), so a
 * redelivered event keeps its id and receivers can deduplicate on it.
 */
export function toWebhookEvent(
  subject: string,
  payload: unknown,
  msgId: string | undefined,
): { ok: true; event: WebhookEvent } | { ok: false; reason: string } {
  const source = WEBHOOK_EVENT_SOURCES.find((s) => parseSubject(s.contract.subject, subject) !== undefined);
  if (!source) return { ok: false, reason: `no webhook event type for ${subject}` };
  const parsed = (source.contract.schema as z.ZodType<Record<string, unknown>>).safeParse(payload);
  if (!parsed.success) return { ok: false, reason: `payload on ${subject} violates its contract` };
  const occurred = source.occurredAt(parsed.data);
  const identity = msgId ?? `${subject}\n${JSON.stringify(parsed.data)}`;
  return {
    ok: true,
    event: {
      type: source.type,
      eventId: `evt_${createHash('sha256').update(identity).digest('base64url').slice(0, 32)}`,
      occurredAt: typeof occurred === 'string' && !Number.isNaN(Date.parse(occurred)) ? new Date(occurred).toISOString() : new Date().toISOString(),
      data: parsed.data,
    },
  };
}
