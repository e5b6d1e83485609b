import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HeartbeatService } from './heartbeat.service';
import { LoadReporterService } from './load-reporter.service';
import { ReadinessService } from './readiness.service';
import { ShutdownService } from './shutdown.service';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER, METRICS, REDIS, SERVICE_CONTEXT, type ServiceContext } from './service-context';

/** Global module giving every app its context, health routes, heartbeat and drain. */
@Global()
@Module({})
export class ServiceKitModule {
  static forContext(ctx: ServiceContext): DynamicModule {
    const values = [
      // The whole bag is for service-kit's own services; app code injects the single tokens below.
      { provide: SERVICE_CONTEXT, useValue: ctx },
      { provide: INSTANCE_ID, useValue: ctx.instanceId },
      { provide: APP_CONFIG, useValue: ctx.config },
      { provide: BUS, useValue: ctx.bus },
      { provide: REDIS, useValue: ctx.redis },
      { provide: LOGGER, useValue: ctx.logger },
      { provide: METRICS, useValue: ctx.metrics },
    ];
    const services = [ReadinessService, HeartbeatService, LoadReporterService, ShutdownService];
    return {
      module: ServiceKitModule,
      controllers: [HealthController],
      providers: [...values, ...services],
      exports: [...values.map((v) => v.provide), ...services],
    };
  }
}
