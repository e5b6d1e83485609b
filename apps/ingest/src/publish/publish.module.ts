import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { ObservabilityModule } from '../observability/observability.module';
import { PublishAuthorizer } from './publish-authorizer.service';
import { PublishSessionsService } from './publish-sessions.service';

/** Publish authorization and the streams published on this node (whatever the protocol). */
@Module({
  imports: [ObservabilityModule, SessionStoresModule],
  providers: [PublishAuthorizer, PublishSessionsService],
  exports: [PublishAuthorizer, PublishSessionsService],
})
export class PublishModule {}
