import { Module } from '@nestjs/common';
import { SfuMetrics } from './sfu-metrics';

@Module({ providers: [SfuMetrics], exports: [SfuMetrics] })
export class MetricsModule {}
