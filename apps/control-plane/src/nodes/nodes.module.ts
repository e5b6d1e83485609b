import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { AuthModule } from '../auth/auth.module';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

/** The cluster view: records every instance's heartbeat and lists the running nodes. */
@Module({
  imports: [AuthModule, SessionStoresModule],
  controllers: [NodesController],
  providers: [NodesService],
})
export class NodesModule {}
