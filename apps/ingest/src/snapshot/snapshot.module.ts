import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { PublishModule } from '../publish/publish.module';
import { SnapshotController } from './snapshot.controller';
import { SnapshotService } from './snapshot.service';

/** JPEG snapshots of live streams for the control plane (internal route). */
@Module({
  imports: [ObservabilityModule, PublishModule],
  controllers: [SnapshotController],
  providers: [SnapshotService],
})
export class SnapshotModule {}
