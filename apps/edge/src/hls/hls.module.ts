import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { OriginModule } from '../origin/origin.module';
import { ViewersModule } from '../viewers/viewers.module';
import { HlsDeliveryService } from './hls-delivery.service';
import { HlsController } from './hls.controller';

/** HLS delivery to viewers: playlists and segments, token checks, caching. */
@Module({
  imports: [MetricsModule, OriginModule, ViewersModule],
  controllers: [HlsController],
  providers: [HlsDeliveryService],
})
export class HlsModule {}
