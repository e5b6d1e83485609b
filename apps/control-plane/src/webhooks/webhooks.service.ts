import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Logger } from '@mediaplane/observability';
import { LOGGER } from '@mediaplane/service-kit';
import { DeliveryLog } from './delivery-log.service';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { generateWebhookSecret } from './webhook-signature';
import { WebhookStore } from './webhook-store.service';
import type { CreateWebhookRequest, CreatedWebhookSchema, DeliveryListSchema, WebhookRecord, WebhookView } from './webhook.schemas';

@Injectable()
export class WebhooksService {
  constructor(
    private readonly store: WebhookStore,
    private readonly log: DeliveryLog,
    private readonly worker: WebhookDeliveryWorker,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async create(request: CreateWebhookRequest): Promise<z.input<typeof CreatedWebhookSchema>> {
    const refusal = await this.worker.policy.refusal(new URL(request.url));
    if (refusal) throw new BadRequestException(`url: ${refusal}`);
    const record: WebhookRecord = {
      id: `wh_${randomBytes(9).toString('base64url')}`,
      url: request.url,
      events: request.events,
      ...(request.description ? { description: request.description } : {}),
      secret: generateWebhookSecret(),
      createdAt: new Date().toISOString(),
    };
    await this.store.create(record);
    this.logger.info({ webhookId: record.id, events: record.events }, 'webhook registered');
    return { ...(await this.view(record)), secret: record.secret };
  }

  async list(): Promise<WebhookView[]> {
    return Promise.all((await this.store.list()).map((w) => this.view(w)));
  }

  async get(id: string): Promise<WebhookView> {
    return this.view(await this.require(id));
  }

  async deliveries(id: string): Promise<z.input<typeof DeliveryListSchema>> {
    await this.require(id);
    return this.log.recent(id);
  }

  async remove(id: string): Promise<void> {
    await this.require(id);
    await this.store.remove(id);
    await this.log.forget(id);
    this.logger.info({ webhookId: id }, 'webhook removed');
  }

  private async require(id: string): Promise<WebhookRecord> {
    const record = await this.store.get(id);
    if (!record) throw new NotFoundException(`webhook ${JSON.stringify(id.slice(0, 64))} does not exist`);
    return record;
  }

  private async view(record: WebhookRecord): Promise<WebhookView> {
    return {
      id: record.id,
      url: record.url,
      events: record.events,
      description: record.description ?? null,
      createdAt: record.createdAt,
      stats: await this.log.stats(record.id),
    };
  }
}
