import { Module } from '@nestjs/common';
import { HlsDeliveryService } from './hls/hls-delivery.service';
import { HlsController } from './hls/hls.controller';
import { EdgeMetrics } from './metrics/edge-metrics.service';
import { OriginClient } from './origin/origin-client.service';
import { OriginDirectory } from './origin/origin-directory.service';
import { HlsViewerTracker } from './viewers/hls-viewer-tracker.service';

@Module({
  controllers: [HlsController],
  providers: [EdgeMetrics, OriginDirectory, OriginClient, HlsDeliveryService, HlsViewerTracker],
})
export class AppModule {}
