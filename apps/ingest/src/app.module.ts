import { Module } from '@nestjs/common';
import { LimitsModule } from './limits/limits.module';
import { PlaybackModule } from './playback/playback.module';
import { PublishModule } from './publish/publish.module';
import { RtmpModule } from './rtmp/rtmp.module';
import { SnapshotModule } from './snapshot/snapshot.module';
import { SrtModule } from './srt/srt.module';
import { StreamsModule } from './streams/streams.module';

/** Ingest: one feature module per capability; none depends on the order of this list. */
@Module({
  imports: [RtmpModule, SrtModule, PlaybackModule, PublishModule, LimitsModule, SnapshotModule, StreamsModule],
})
export class AppModule {}
