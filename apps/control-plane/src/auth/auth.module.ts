import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, REDIS } from '@mediaplane/service-kit';
import { controlPlaneKeys } from '@mediaplane/sessions';
import type { ControlPlaneConfig } from '../control-plane.config';
import { ADMIN_AUTH_LIMITER, AdminAuthenticator } from './admin-authenticator';
import { AdminTokenGuard } from './admin-token.guard';
import { AuthFailureLimiter } from './auth-failure-limiter';

/** Admin API access, for every feature module with admin routes. */
@Module({
  providers: [
    AdminAuthenticator,
    AdminTokenGuard,
    {
      provide: ADMIN_AUTH_LIMITER,
      useFactory: (redis: Redis, c: ControlPlaneConfig) =>
        new AuthFailureLimiter(
          redis,
          controlPlaneKeys(c.MEDIAPLANE_NAMESPACE).adminAuthFailures,
          c.CONTROL_PLANE_ADMIN_AUTH_FAILURE_LIMIT,
          c.CONTROL_PLANE_AUTH_FAILURE_WINDOW_MS,
        ),
      inject: [REDIS, APP_CONFIG],
    },
  ],
  exports: [AdminAuthenticator, AdminTokenGuard],
})
export class AuthModule {}
