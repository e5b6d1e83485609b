import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { PlaybackModule } from '../playback/playback.module';
import { PublishModule } from '../publish/publish.module';
import { SrtLinkSampler } from './srt-link-sampler';
import { SrtPlayHandler } from './srt-play.handler';
import { SrtPublishHandler } from './srt-publish.handler';
import { SrtServerService } from './srt-server.service';

/** The SRT listener (publish and MPEG-TS play on one UDP port) and its publishers' link statistics. */
@Module({
  imports: [ObservabilityModule, PublishModule, PlaybackModule],
  providers: [SrtServerService, SrtPublishHandler, SrtPlayHandler, SrtLinkSampler],
})
export class SrtModule {}
