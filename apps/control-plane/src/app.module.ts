import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { NodesController } from './nodes/nodes.controller';
import { NodesService } from './nodes/nodes.service';

@Module({
  controllers: [NodesController],
  providers: [AdminTokenGuard, NodesService],
})
export class AppModule {}
