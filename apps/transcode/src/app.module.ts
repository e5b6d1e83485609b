import { Module } from '@nestjs/common';
import { HlsModule } from './hls/hls.module';
import { JobsModule } from './jobs/jobs.module';
import { LadderModule } from './ladder/ladder.module';
import { MetricsModule } from './metrics/metrics.module';
import { OriginModule } from './origin/origin.module';
import { RestreamModule } from './restream/restream.module';

/** The transcode worker: feature modules only; each declares what it needs. */
@Module({ imports: [MetricsModule, LadderModule, HlsModule, JobsModule, OriginModule, RestreamModule] })
export class AppModule {}
