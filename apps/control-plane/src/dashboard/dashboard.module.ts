import { Inject, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import type { ControlPlaneConfig } from '../control-plane.config';
import { dashboardMiddleware } from './serve-dashboard';

/**
 * The operators' dashboard at `/`. Served as Nest middleware, which runs
 * before any route, so the static files never depend on where this module
 * sits among the others.
 */
@Module({})
export class DashboardModule implements NestModule {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(dashboardMiddleware(this.config.CONTROL_PLANE_WEB_DIR, this.logger)).forRoutes('{*path}');
  }
}
