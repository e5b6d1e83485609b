import { Module } from '@nestjs/common';
import { APP_CONFIG, SessionStoresModule } from '@mediaplane/service-kit';
import { AuthModule } from '../auth/auth.module';
import type { ControlPlaneConfig } from '../control-plane.config';
import { PublicUrls } from './public-urls';
import { RenditionTracker } from './rendition-tracker.service';
import { SnapshotController } from './snapshot.controller';
import { SnapshotProxy } from './snapshot-proxy.service';
import { StreamStore } from './stream-store.service';
import { StreamsController } from './streams.controller';
import { StreamsService } from './streams.service';

/** Stream definitions, their live view, snapshots, playback tokens and the settings transcode asks for. */
@Module({
  imports: [AuthModule, SessionStoresModule],
  // Routes do not depend on this order: `:id` never matches `:id/snapshot.jpg` (a parameter stops at `/`).
  controllers: [StreamsController, SnapshotController],
  providers: [
    StreamStore,
    StreamsService,
    RenditionTracker,
    SnapshotProxy,
    { provide: PublicUrls, useFactory: (config: ControlPlaneConfig) => new PublicUrls(config), inject: [APP_CONFIG] },
  ],
  exports: [StreamStore, StreamsService, PublicUrls],
})
export class StreamsModule {}
