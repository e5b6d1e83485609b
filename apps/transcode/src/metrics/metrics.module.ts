import { Module } from '@nestjs/common';
import { TranscodeMetrics } from './transcode-metrics.service';

/** The worker's Prometheus figures, shared by the encoder and the jobs. */
@Module({ providers: [TranscodeMetrics], exports: [TranscodeMetrics] })
export class MetricsModule {}
