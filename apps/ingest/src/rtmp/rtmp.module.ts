import { Module } from '@nestjs/common';
import { LimitsModule } from '../limits/limits.module';
import { ObservabilityModule } from '../observability/observability.module';
import { PlaybackModule } from '../playback/playback.module';
import { PublishModule } from '../publish/publish.module';
import { RtmpPlayHandler } from './rtmp-play.handler';
import { RtmpPublishHandler } from './rtmp-publish.handler';
import { RtmpServerService } from './rtmp-server.service';

/** The RTMP and RTMPS listeners and what their publish and play commands do. */
@Module({
  imports: [ObservabilityModule, LimitsModule, PublishModule, PlaybackModule],
  providers: [RtmpServerService, RtmpPublishHandler, RtmpPlayHandler],
})
export class RtmpModule {}
