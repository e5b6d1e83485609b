import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { webhookContracts, type WebhookDeliveryRequested } from '@mediaplane/contracts';
import type { Bus, WorkMessage, WorkQueue } from '@mediaplane/messaging';
import { counter, histogram, type Logger, type Registry } from '@mediaplane/observability';
import { APP_CONFIG, BUS, LOGGER, METRICS, ShutdownService } from '@mediaplane/service-kit';
import { OutboundTargetPolicy } from '@mediaplane/sessions';
import type { ControlPlaneConfig } from '../control-plane.config';
import { DeliveryLog } from './delivery-log.service';
import { retryDelayMs } from './retry-schedule';
import { sendWebhook } from './webhook-sender';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature';
import { WebhookStore } from './webhook-store.service';
import type { DeliveryAttempt, WebhookRecord } from './webhook.schemas';

const CONSUMER = 'control-plane-webhook-deliveries';

/**
 * Performs webhook delivery jobs from a durable JetStream consumer shared by
 * every control-plane instance: at-least-once, up to
 * CONTROL_PLANE_WEBHOOK_CONCURRENCY at a time, each failure retried after an
 * exponential backoff (nak with delay) until CONTROL_PLANE_WEBHOOK_MAX_ATTEMPTS.
 * Deliveries run concurrently, so a slow receiver does not hold back the
 * deliveries to the others.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly policy: OutboundTargetPolicy;
  private readonly config: ControlPlaneConfig;
  private queue?: WorkQueue;
  private readonly outcomes;
  private readonly durations;

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly log: DeliveryLog,
    private readonly shutdown: ShutdownService,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
    @Inject(APP_CONFIG) config: ControlPlaneConfig,
  ) {
    this.config = config;
    this.policy = new OutboundTargetPolicy(config.MEDIAPLANE_WEBHOOK_ALLOWLIST);
    this.outcomes = counter(metrics, 'mediaplane_webhook_delivery_attempts_total', 'Webhook delivery attempts by outcome', ['outcome']);
    this.durations = histogram(metrics, 'mediaplane_webhook_delivery_seconds', 'Time of one webhook delivery attempt', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.queue = await this.bus.workQueue(
      webhookContracts.deliveryRequested,
      {
        durable: CONSUMER,
        ackWaitMs: Math.max(30_000, this.config.CONTROL_PLANE_WEBHOOK_TIMEOUT_MS * 2 + 5_000),
        concurrency: this.config.CONTROL_PLANE_WEBHOOK_CONCURRENCY,
        retryDelayMs: () => this.config.CONTROL_PLANE_WEBHOOK_RETRY_BASE_MS,
      },
      (m) => this.process(m),
    );
    this.shutdown.onDrain('webhook deliveries', () => this.stop());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Stops taking jobs and waits for the attempts under way (unacked jobs return to JetStream). */
  private async stop(): Promise<void> {
    const queue = this.queue;
    this.queue = undefined;
    await queue?.stop();
  }

  private async process(m: WorkMessage<WebhookDeliveryRequested>): Promise<void> {
    const job = m.payload;
    const webhook = await this.webhooks.get(job.webhookId);
    if (!webhook || !webhook.events.includes(job.type)) {
      m.ack(); // deleted or unsubscribed since the job was queued
      return;
    }
    const attempt = m.deliveryCount;
    const result = await this.deliver(webhook, job, attempt);
    this.durations.observe(result.durationMs / 1000);
    const record: DeliveryAttempt = {
      eventId: job.eventId,
      type: job.type,
      attempt,
      outcome: 'delivered',
      httpStatus: result.httpStatus,
      error: result.error,
      durationMs: result.durationMs,
      at: new Date().toISOString(),
      nextAttemptInMs: null,
    };
    if (result.ok) {
      await this.finish(webhook, record);
      m.ack();
    } else if (attempt >= this.config.CONTROL_PLANE_WEBHOOK_MAX_ATTEMPTS) {
      await this.finish(webhook, { ...record, outcome: 'gave_up' });
      m.term(); // no attempts left
    } else {
      const delay = retryDelayMs(attempt, this.config.CONTROL_PLANE_WEBHOOK_RETRY_BASE_MS, this.config.CONTROL_PLANE_WEBHOOK_RETRY_MAX_MS);
      await this.finish(webhook, { ...record, outcome: 'failed', nextAttemptInMs: delay });
      m.nak(delay);
    }
  }

  private deliver(webhook: WebhookRecord, job: WebhookDeliveryRequested, attempt: number) {
    const body = JSON.stringify({ id: job.eventId, type: job.type, occurredAt: job.occurredAt, data: job.data });
    const headers = {
      [SIGNATURE_HEADER]: signWebhook(webhook.secret, body, Math.floor(Date.now() / 1000)),
      [EVENT_ID_HEADER]: job.eventId,
      [EVENT_TYPE_HEADER]: job.type,
      [ATTEMPT_HEADER]: String(attempt),
    };
    return sendWebhook(new URL(webhook.url), body, headers, this.policy, this.config.CONTROL_PLANE_WEBHOOK_TIMEOUT_MS);
  }

  private async finish(webhook: WebhookRecord, record: DeliveryAttempt): Promise<void> {
    this.outcomes.inc({ outcome: record.outcome });
    await this.log.record(webhook.id, record).catch((error: unknown) => this.logger.warn({ err: error }, 'delivery log not written'));
    const fields = {
      webhookId: webhook.id,
      eventId: record.eventId,
      type: record.type,
      attempt: record.attempt,
      httpStatus: record.httpStatus,
      error: record.error,
    };
    if (record.outcome === 'delivered') this.logger.info(fields, 'webhook delivered');
    else
      this.logger.warn(
        { ...fields, nextAttemptInMs: record.nextAttemptInMs },
        record.outcome === 'gave_up' ? 'webhook delivery given up' : 'webhook delivery failed; will retry',
      );
  }
}
