import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RestreamOutputStore } from '@mediaplane/sessions';
import { APP_CONFIG, REDIS, SessionStoresModule } from '@mediaplane/service-kit';
import { AuthModule } from '../auth/auth.module';
import type { ControlPlaneConfig } from '../control-plane.config';
import { StreamsModule } from '../streams/streams.module';
import { RestreamOutputsController } from './restream-outputs.controller';
import { RestreamOutputsService } from './restream-outputs.service';

/** Restream outputs of streams: the API (`/api/v1/streams/{id}/outputs`) and the store of the workers' reports. */
@Module({
  imports: [AuthModule, SessionStoresModule, StreamsModule],
  controllers: [RestreamOutputsController],
  providers: [
    {
      provide: RestreamOutputStore,
      useFactory: (redis: Redis, config: ControlPlaneConfig) => new RestreamOutputStore(redis, config.MEDIAPLANE_NAMESPACE),
      inject: [REDIS, APP_CONFIG],
    },
    RestreamOutputsService,
  ],
})
export class RestreamModule {}
