import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, WebhookEventTypeSchema, displayTextSchema } from '@mediaplane/contracts';
import { requiredOr } from '../http/describe-zod-issues';

export const WebhookIdSchema = z.string().regex(/^wh_[A-Za-z0-9_-]{1,40}$/);

export const WebhookUrlSchema = z
  .string({ error: requiredOr('must be a string') })
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => URL.canParse(v), 'must be an absolute http:// or https:// URL')
  .refine((v) => !URL.canParse(v) || ['http:', 'https:'].includes(new URL(v).protocol), 'must use http or https')
  .refine((v) => !URL.canParse(v) || (!new URL(v).username && !new URL(v).password), 'must not carry credentials (verify the signature instead)');

export const CreateWebhookRequestSchema = z
  .strictObject({
    url: WebhookUrlSchema.describe('Where deliveries are POSTed. Loopback, link-local and private targets need MEDIAPLANE_WEBHOOK_ALLOWLIST.'),
    events: z
      .array(WebhookEventTypeSchema, { error: `must be a list of event types (${WEBHOOK_EVENT_TYPES.join(', ')})` })
      .min(1, 'must name at least one event type')
      .max(WEBHOOK_EVENT_TYPES.length * 2)
      .default([...WEBHOOK_EVENT_TYPES])
      .transform((events) => [...new Set(events)])
      .describe('Event types to deliver (default: all).'),
    description: displayTextSchema({ max: 200, required: false }).optional().describe('Free text for operators.'),
  })
  .describe('CreateWebhookRequest');
export type CreateWebhookRequest = z.output<typeof CreateWebhookRequestSchema>;

/** Stored in JetStream KV. The signing secret has to be kept to sign; it is shown only when the webhook is created. */
export const WebhookRecordSchema = z.object({
  id: WebhookIdSchema,
  url: z.string(),
  events: z.array(WebhookEventTypeSchema),
  description: z.string().optional(),
  secret: z.string(),
  createdAt: z.iso.datetime(),
});
export type WebhookRecord = z.infer<typeof WebhookRecordSchema>;

export const DeliveryOutcomeSchema = z.enum(['delivered', 'failed', 'gave_up']);
export const DeliveryAttemptSchema = z
  .object({
    eventId: z.string().describe('Idempotency id: the same on every retry of one event to this webhook.'),
    type: WebhookEventTypeSchema,
    attempt: z.number().int().positive(),
    outcome: DeliveryOutcomeSchema.describe('delivered (2xx), failed (will retry) or gave_up (no attempts left).'),
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int().nonnegative(),
    at: z.iso.datetime(),
    nextAttemptInMs: z.number().int().nullable(),
  })
  .describe('DeliveryAttempt');
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

export const WebhookStatsSchema = z.object({
  delivered: z.number().int().nonnegative(),
  failedAttempts: z.number().int().nonnegative(),
  gaveUp: z.number().int().nonnegative(),
  lastAttempt: DeliveryAttemptSchema.nullable(),
});

export const WebhookViewSchema = z
  .object({
    id: WebhookIdSchema,
    url: z.string(),
    events: z.array(WebhookEventTypeSchema),
    description: z.string().nullable(),
    createdAt: z.string(),
    stats: WebhookStatsSchema,
  })
  .describe('Webhook');
export type WebhookView = z.infer<typeof WebhookViewSchema>;

export const CreatedWebhookSchema = WebhookViewSchema.extend({
  secret: z.string().describe('HMAC-SHA256 signing secret. Shown only here.'),
}).describe('CreatedWebhook');

export const WebhookListSchema = z.object({ webhooks: z.array(WebhookViewSchema) }).describe('WebhookList');

export const DeliveryListSchema = z
  .object({
    deliveries: z.array(DeliveryAttemptSchema).describe('The latest attempts, newest first.'),
    failures: z.array(DeliveryAttemptSchema).describe('The latest failed attempts, newest first.'),
  })
  .describe('DeliveryList');
