import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, REDIS, SessionStoresModule } from '@mediaplane/service-kit';
import { controlPlaneKeys } from '@mediaplane/sessions';
import type { ControlPlaneConfig } from '../control-plane.config';
import { StreamsModule } from '../streams/streams.module';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { PublishAuthorizationController } from './publish-authorization.controller';

/** Answers ingest's publish authorization requests from the stream definitions. */
@Module({
  imports: [StreamsModule, SessionStoresModule],
  controllers: [PublishAuthorizationController],
  providers: [
    {
      provide: AuthFailureLimiter,
      useFactory: (redis: Redis, c: ControlPlaneConfig) =>
        new AuthFailureLimiter(
          redis,
          controlPlaneKeys(c.MEDIAPLANE_NAMESPACE).authFailures,
          c.CONTROL_PLANE_AUTH_FAILURE_LIMIT,
          c.CONTROL_PLANE_AUTH_FAILURE_WINDOW_MS,
        ),
      inject: [REDIS, APP_CONFIG],
    },
  ],
})
export class PublishAuthModule {}
