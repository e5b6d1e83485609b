import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { OriginChangeListener } from './origin-change-listener.service';
import { OriginClient } from './origin-client.service';
import { OriginDirectory } from './origin-directory.service';

/** Which transcode worker serves a stream, and fetching from it. */
@Module({
  imports: [SessionStoresModule],
  providers: [OriginDirectory, OriginClient, OriginChangeListener],
  exports: [OriginDirectory, OriginClient],
})
export class OriginModule {}
