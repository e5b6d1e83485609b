import { z } from 'zod';
import { defineEvent } from './contract';

/** Event types operators can subscribe webhooks to; each maps to one durable platform event. */
export const WEBHOOK_EVENT_TYPES = ['stream.started', 'stream.ended', 'stream.publish_rejected', 'rendition.ready', 'recording.ready'] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/**
 * One webhook delivery to perform: the control plane fans every durable
 * platform event out into one of these per subscribed webhook, so each
 * target is retried on its own schedule and a failing target never holds
 * back the others. `data` is the platform event's payload, which by
 * contract never carries a stream key.
 */
export const WebhookDeliveryRequestedSchema = z.object({
  webhookId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** Idempotency id: the same for every retry of this event to this webhook. */
  eventId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  type: WebhookEventTypeSchema,
  occurredAt: z.iso.datetime(),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookDeliveryRequested = z.infer<typeof WebhookDeliveryRequestedSchema>;

export const webhookContracts = {
  deliveryRequested: defineEvent('webhook.v1.delivery.{webhookId}.requested', WebhookDeliveryRequestedSchema, { durable: true }),
} as const;
