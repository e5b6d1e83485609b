import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { OriginChangeListener } from './origin-change-listener.service';
import { OriginChanges } from './origin-changes';
import { OriginClient } from './origin-client.service';
import { OriginDirectory } from './origin-directory.service';

/** Which transcode worker serves a stream, and fetching from it. */
@Module({
  imports: [SessionStoresModule],
  providers: [OriginDirectory, OriginClient, OriginChanges, OriginChangeListener],
  exports: [OriginDirectory, OriginClient, OriginChanges],
})
export class OriginModule {}
