import { Module } from '@nestjs/common';
import { IngestMetrics } from './ingest-metrics';

/** Ingest's Prometheus metrics, shared by every feature module. */
@Module({
  providers: [IngestMetrics],
  exports: [IngestMetrics],
})
export class ObservabilityModule {}
