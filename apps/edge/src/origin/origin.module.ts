import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { OriginClient } from './origin-client.service';
import { OriginDirectory } from './origin-directory.service';

/** Which transcode worker serves a stream, and fetching from it. */
@Module({
  imports: [SessionStoresModule],
  providers: [OriginDirectory, OriginClient],
  exports: [OriginDirectory, OriginClient],
})
export class OriginModule {}
