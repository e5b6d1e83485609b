import { Module } from '@nestjs/common';
import { JobQueueService } from './jobs/job-queue.service';
import { ServingJobs } from './jobs/serving-jobs';
import { EncoderService } from './ladder/encoder.service';
import { TranscodeMetrics } from './metrics/transcode-metrics.service';
import { InternalTokenGuard } from './origin/internal-token.guard';
import { OriginController } from './origin/origin.controller';

@Module({
  controllers: [OriginController],
  providers: [TranscodeMetrics, EncoderService, ServingJobs, JobQueueService, InternalTokenGuard],
})
export class AppModule {}
