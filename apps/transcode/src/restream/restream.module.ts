import { Module } from '@nestjs/common';
import { LiveStreamStore, RestreamOutputStore } from '@mediaplane/sessions';
import { namespacedStore } from '../jobs/job-stores.providers';
import { RestreamMetrics } from './restream-metrics.service';
import { RestreamQueueService } from './restream-queue.service';

/** Restream outputs: per live stream, a supervised FFmpeg per output pushing the stream to its RTMP/RTMPS/SRT target. */
@Module({
  providers: [namespacedStore(LiveStreamStore), namespacedStore(RestreamOutputStore), RestreamMetrics, RestreamQueueService],
})
export class RestreamModule {}
