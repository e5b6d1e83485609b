import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { jsonValues, type Bus, type KvBucket } from '@mediaplane/messaging';
import { APP_CONFIG, BUS } from '@mediaplane/service-kit';
import type { ControlPlaneConfig } from '../control-plane.config';
import { WebhookIdSchema, WebhookRecordSchema, type WebhookRecord } from './webhook.schemas';

/** Webhook registrations in JetStream KV (`<ns>_webhooks`), durable like stream definitions. */
@Injectable()
export class WebhookStore implements OnModuleInit {
  private bucket?: KvBucket<WebhookRecord>;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(APP_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.bucket = await this.bus.kvBucket('webhooks', jsonValues(WebhookRecordSchema), {
      description: 'Mediaplane webhook registrations',
      replicas: this.config.CONTROL_PLANE_KV_REPLICAS,
    });
  }

  async create(record: WebhookRecord): Promise<void> {
    await this.kv().create(record.id, record);
  }

  async get(id: string): Promise<WebhookRecord | undefined> {
    if (!WebhookIdSchema.safeParse(id).success) return undefined;
    return (await this.kv().get(id))?.value;
  }

  async list(): Promise<WebhookRecord[]> {
    const found = await Promise.all((await this.kv().keys()).map((k) => this.get(k)));
    return found.filter((w): w is WebhookRecord => w !== undefined).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async remove(id: string): Promise<void> {
    await this.kv().delete(id);
  }

  private kv(): KvBucket<WebhookRecord> {
    if (!this.bucket) throw new Error('webhook store is not open yet');
    return this.bucket;
  }
}
