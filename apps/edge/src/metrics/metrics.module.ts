import { Module } from '@nestjs/common';
import { EdgeMetrics } from './edge-metrics.service';

/** The edge's Prometheus metrics, shared by every feature module. */
@Module({
  providers: [EdgeMetrics],
  exports: [EdgeMetrics],
})
export class MetricsModule {}
