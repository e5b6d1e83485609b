import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { IngestBridgeModule } from '../bridge/ingest-bridge.module';
import { EngineModule } from '../engine/engine.module';
import { MetricsModule } from '../metrics/metrics.module';
import { StreamCommandsController } from './stream-commands.controller';
import { WebrtcStreamsService } from './webrtc-streams.service';

/** Streams published over WebRTC on this node: live state, events, kicks. */
@Module({
  imports: [EngineModule, MetricsModule, SessionStoresModule, IngestBridgeModule],
  controllers: [StreamCommandsController],
  providers: [WebrtcStreamsService],
  exports: [WebrtcStreamsService],
})
export class StreamsModule {}
