import { Module } from '@nestjs/common';
import { HlsModule } from '../hls/hls.module';
import { LadderModule } from '../ladder/ladder.module';
import { MetricsModule } from '../metrics/metrics.module';
import { JobQueueService } from './job-queue.service';
import { JOB_STORE_PROVIDERS } from './job-stores.providers';
import { TranscodeJobFactory } from './transcode-job.factory';

/** The work queue of transcode jobs and what a job needs to run. */
@Module({
  imports: [MetricsModule, LadderModule, HlsModule],
  providers: [...JOB_STORE_PROVIDERS, TranscodeJobFactory, JobQueueService],
})
export class JobsModule {}
