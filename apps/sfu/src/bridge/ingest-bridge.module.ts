import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { MetricsModule } from '../metrics/metrics.module';
import { IngestBridgeService } from './ingest-bridge.service';

/** WHIP streams relayed into the ingest hub (FLV, HLS, snapshots, recording) over plain RTP → FFmpeg → RTMP. */
@Module({
  imports: [MetricsModule, SessionStoresModule],
  providers: [IngestBridgeService],
  exports: [IngestBridgeService],
})
export class IngestBridgeModule {}
