import { Module } from '@nestjs/common';
import { DashboardModule } from './dashboard/dashboard.module';
import { DevicesModule } from './devices/devices.module';
import { NodesModule } from './nodes/nodes.module';
import { PublishAuthModule } from './publish-auth/publish-auth.module';
import { StreamsModule } from './streams/streams.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { RoomsModule } from './rooms/rooms.module';
import { RestreamModule } from './restream/restream.module';

/** The control plane: one feature module per capability; none depends on the order of this list. */
@Module({
  imports: [StreamsModule, PublishAuthModule, WebhooksModule, NodesModule, DashboardModule, RoomsModule, RestreamModule, DevicesModule],
})
export class AppModule {}
