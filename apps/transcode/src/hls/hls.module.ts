import { Module } from '@nestjs/common';
import { ServingJobs } from './serving-jobs';

/** Which jobs' HLS this worker serves: filled by the jobs, read by the origin. */
@Module({ providers: [ServingJobs], exports: [ServingJobs] })
export class HlsModule {}
