import { Module } from '@nestjs/common';
import { LimitsModule } from '../limits/limits.module';
import { ObservabilityModule } from '../observability/observability.module';
import { PublishModule } from '../publish/publish.module';
import { RelayModule } from '../relay/relay.module';
import { FlvPlaybackHandler } from './flv-playback.handler';
import { PlaybackAccessService } from './playback-access.service';
import { TsPullService } from './ts-pull.service';
import { WsFlvGateway } from './ws-flv.gateway';

/** HTTP-FLV and WebSocket-FLV playback, and the access checks every play protocol shares (streams published here or relayed from their origin). */
@Module({
  imports: [ObservabilityModule, LimitsModule, PublishModule, RelayModule],
  providers: [FlvPlaybackHandler, PlaybackAccessService, TsPullService, WsFlvGateway],
  exports: [FlvPlaybackHandler, PlaybackAccessService],
})
export class PlaybackModule {}
