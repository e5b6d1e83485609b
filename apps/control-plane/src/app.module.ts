import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { NodesController } from './nodes/nodes.controller';
import { NodesService } from './nodes/nodes.service';
import { PublishAuthorizationController } from './publish-auth/publish-authorization.controller';
import { RenditionTracker } from './streams/rendition-tracker.service';
import { SnapshotController } from './streams/snapshot.controller';
import { SnapshotProxy } from './streams/snapshot-proxy.service';
import { StreamStore } from './streams/stream-store.service';
import { StreamsController } from './streams/streams.controller';
import { StreamsService } from './streams/streams.service';
import { DeliveryLog } from './webhooks/delivery-log.service';
import { WebhookDeliveryWorker } from './webhooks/webhook-delivery.worker';
import { WebhookFanout } from './webhooks/webhook-fanout.service';
import { WebhookStore } from './webhooks/webhook-store.service';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

@Module({
  // SnapshotController comes before StreamsController so `:id/snapshot.jpg` is never read as an id.
  controllers: [SnapshotController, StreamsController, WebhooksController, NodesController, PublishAuthorizationController],
  providers: [
    AdminTokenGuard,
    NodesService,
    StreamStore,
    StreamsService,
    RenditionTracker,
    SnapshotProxy,
    WebhookStore,
    WebhooksService,
    DeliveryLog,
    WebhookDeliveryWorker,
    WebhookFanout,
  ],
})
export class AppModule {}
