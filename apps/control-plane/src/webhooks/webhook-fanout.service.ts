import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { webhookContracts } from '@mediaplane/contracts';
import { route, type Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { BUS, LOGGER } from '@mediaplane/service-kit';
import { WEBHOOK_EVENT_SOURCES, toWebhookEvent } from './webhook-event-sources';
import { WebhookStore } from './webhook-store.service';

/**
 * Reads the durable platform events (stream started/ended, publish rejected,
 * rendition/recording ready) from a durable JetStream consumer and turns each
 * into one delivery job per subscribed webhook. Jobs are JetStream messages
 * with id `<eventId>.<webhookId>`, so a redelivered event does not double
 * them (JetStream deduplicates), and each job is retried on its own.
 */
@Injectable()
export class WebhookFanout implements OnApplicationBootstrap {
  constructor(
    private readonly webhooks: WebhookStore,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.durableConsumer(
      WEBHOOK_EVENT_SOURCES.map((s) => route(s.contract, (m) => this.onEvent(m.subject, m.payload, m.msgId))),
      // Only events from the first start on: a new platform does not replay a week of history to new webhooks.
      { durable: 'control-plane-webhook-events', ackWaitMs: 30_000, deliverNew: true },
    );
  }

  private async onEvent(subject: string, payload: unknown, msgId: string | undefined): Promise<void> {
    const result = toWebhookEvent(subject, payload, msgId);
    if (!result.ok) {
      this.logger.warn({ subject, reason: result.reason }, 'event not turned into webhook deliveries');
      return;
    }
    const { event } = result;
    const targets = (await this.webhooks.list()).filter((w) => w.events.includes(event.type));
    for (const webhook of targets) {
      await this.bus.publish(
        webhookContracts.deliveryRequested,
        { webhookId: webhook.id },
        { webhookId: webhook.id, eventId: event.eventId, type: event.type, occurredAt: event.occurredAt, data: event.data },
        { msgId: `${event.eventId}.${webhook.id}` },
      );
    }
    if (targets.length > 0) this.logger.debug({ type: event.type, eventId: event.eventId, webhooks: targets.length }, 'webhook deliveries queued');
  }
}
