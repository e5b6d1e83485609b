import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { ObservabilityModule } from '../observability/observability.module';
import { RelayPullsService } from './relay-pulls.service';

/** Play from any node: pulls of streams published on other ingest nodes, one per stream, for this node's viewers. */
@Module({
  imports: [ObservabilityModule, SessionStoresModule],
  providers: [RelayPullsService],
  exports: [RelayPullsService],
})
export class RelayModule {}
