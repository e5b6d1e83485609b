import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ReadinessService } from './readiness.service';
import { SERVICE_CONTEXT, type ServiceContext } from './service-context';

/** Liveness, readiness and Prometheus metrics: the same three routes on every app. */
@Controller()
export class HealthController {
  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly readiness: ReadinessService,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok'; app: string; instanceId: string } {
    return { status: 'ok', app: this.ctx.app, instanceId: this.ctx.instanceId };
  }

  @Get('readyz')
  readyz(@Res() res: Response): void {
    const report = this.readiness.report();
    res.status(report.ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(report);
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.ctx.metrics.contentType);
    res.send(await this.ctx.metrics.metrics());
  }
}
