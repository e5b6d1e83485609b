import { Module } from '@nestjs/common';
import { MediaConnectionsService } from './limits/media-connections.service';
import { IngestMetrics } from './observability/ingest-metrics';
import { FlvPlaybackController } from './playback/flv-playback.controller';
import { PlaybackAccessService } from './playback/playback-access.service';
import { WsFlvGateway } from './playback/ws-flv.gateway';
import { PublishAuthorizer } from './publish/publish-authorizer.service';
import { PublishSessionsService } from './publish/publish-sessions.service';
import { RtmpPlayHandler } from './rtmp/rtmp-play.handler';
import { RtmpPublishHandler } from './rtmp/rtmp-publish.handler';
import { RtmpServerService } from './rtmp/rtmp-server.service';
import { SnapshotController } from './snapshot/snapshot.controller';
import { SnapshotService } from './snapshot/snapshot.service';
import { StreamCommandsController } from './streams/stream-commands.controller';

@Module({
  controllers: [FlvPlaybackController, SnapshotController, StreamCommandsController],
  providers: [
    IngestMetrics,
    MediaConnectionsService,
    PublishAuthorizer,
    PublishSessionsService,
    PlaybackAccessService,
    WsFlvGateway,
    RtmpPublishHandler,
    RtmpPlayHandler,
    RtmpServerService,
    SnapshotService,
  ],
})
export class AppModule {}
