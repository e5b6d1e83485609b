import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DeliveryLog } from './delivery-log.service';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookFanout } from './webhook-fanout.service';
import { WebhookStore } from './webhook-store.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Webhook registrations, the fan-out of platform events to them and their signed, retried delivery. */
@Module({
  imports: [AuthModule],
  controllers: [WebhooksController],
  providers: [WebhookStore, WebhooksService, DeliveryLog, WebhookDeliveryWorker, WebhookFanout],
})
export class WebhooksModule {}
